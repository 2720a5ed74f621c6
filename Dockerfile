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
WORKDIR /app
# Code stays root-owned so the unprivileged process cannot rewrite it; only DATA_DIR is writable.
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The operator console's static files, served at /console (found next to package.json).
COPY console ./console
RUN mkdir -p /app/.data && chown node:node /app/.data
USER node
EXPOSE 3000
# node directly (not npm start): signals reach the process, and npm's prestart would rebuild.
CMD ["node", "dist/src/main.js"]
