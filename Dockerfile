# The Strata agent image: Node 20 with git (and ssh for SSH remotes), running the agent bundled
# into one file by `npm run build:agent` (no TypeScript loader, no node_modules at run time).
#   docker build -t strata-agent .
#   docker run strata-agent agent --kubeconfig /kubeconfig
FROM node:20-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts
COPY tsconfig.json ./
COPY src ./src
COPY cli ./cli
RUN npm run build:agent

FROM node:20-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends git openssh-client ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /src/dist/strata-agent.mjs ./strata-agent.mjs
# A heap cap makes V8 collect before it grows: the agent stays near 150 MB at 5,000 objects.
ENV NODE_ENV=production HOME=/tmp NODE_OPTIONS="--max-old-space-size=96 --max-semi-space-size=4"
USER node
EXPOSE 8080
ENTRYPOINT ["node", "/app/strata-agent.mjs"]
CMD ["agent"]
