# One image for every role: docker-compose.yml picks api or worker with ROLE. Both serve /readyz on
# PORT (a worker only its probes and /metrics); the healthchecks live in the compose file.

FROM node:20-bookworm-slim AS build
WORKDIR /app
# mongodb-memory-server (the development fallback of `npm start`) downloads a mongod binary on
# install; production always has MONGODB_URI, and the build must not depend on that download.
ENV MONGOMS_DISABLE_POSTINSTALL=1
# Manifests first so the dependency layer stays cached while only source changes.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund \
 && npm cache clean --force

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
# npm start's environment (package.json; a test keeps them equal): glibc's malloc asks the kernel
# for transparent huge pages on the blocks it maps, such as the in-memory store's row chunks
# (docs/operations.md, "Huge pages").
ENV GLIBC_TUNABLES=glibc.malloc.hugetlb=1
WORKDIR /app
# Code stays root-owned so the unprivileged process cannot rewrite it; only DATA_DIR is writable.
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
RUN mkdir -p /app/.data && chown node:node /app/.data
USER node
EXPOSE 3000
# node directly (not npm start): signals reach the process, and npm's prestart would rebuild.
# The flags are npm start's (package.json; a test keeps them equal): V8 heap sizing and one V8
# helper thread per process (docs/operations.md, "Node flags"). Give the container >= 1 GB.
CMD ["node", "--initial-old-space-size=512", "--min-semi-space-size=64", "--max-semi-space-size=64", "--v8-pool-size=1", "dist/src/main.js"]
