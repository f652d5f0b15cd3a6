# The Strata agent image: Node 20 with git (and ssh for SSH remotes).
#   docker build -t strata-agent .
#   docker run strata-agent agent --kubeconfig /kubeconfig
FROM node:20-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends git openssh-client ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY tsconfig.json ./
COPY src ./src
COPY cli ./cli
ENV NODE_ENV=production HOME=/tmp
USER node
EXPOSE 8080
ENTRYPOINT ["node", "/app/cli/bin/strata.js"]
CMD ["agent"]
