# The Strata agent image: Node 20 with git (ssh for SSH remotes and signatures, gpg for OpenPGP ones), running the agent bundled
# into one file by `npm run build:agent`. The compiler ships beside it (cli/, src/ and the
# production node_modules, TypeScript included): ImageUpdate objects recompile the clusters
# whose image lock changed before they commit, with the same compiler `strata check` runs in CI.
# The agent's own process still loads only the bundle; the compiler runs in a child process.
#   docker build -t strata-agent .
#   docker run strata-agent agent --kubeconfig /kubeconfig
FROM node:20-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts
COPY tsconfig.json ./
COPY src ./src
COPY cli ./cli
RUN npm run build:agent && npm prune --omit=dev --ignore-scripts

FROM node:20-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends git openssh-client gpg ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /src/package.json /src/tsconfig.json ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/src ./src
COPY --from=build /src/cli ./cli
COPY --from=build /src/dist/strata-agent.mjs ./dist/strata-agent.mjs
# The page script of `strata agent --ui`, beside the bundle that serves it.
COPY --from=build /src/dist/client.bundle.js ./dist/client.bundle.js
# A clone compiles with these node_modules; its clusters import the library by package name.
RUN ln -s /app /app/node_modules/strata-gitops
# A heap cap makes V8 collect before it grows: the agent stays near 150 MB at 5,000 objects.
# The compiler's child process gets its own, larger heap (NODE_OPTIONS is replaced for it).
ENV NODE_ENV=production HOME=/tmp NODE_OPTIONS="--max-old-space-size=96 --max-semi-space-size=4"
USER node
EXPOSE 8080
ENTRYPOINT ["node", "/app/dist/strata-agent.mjs"]
CMD ["agent"]
