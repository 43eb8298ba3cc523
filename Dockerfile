# syntax=docker/dockerfile:1
# redis-medic: multi-stage build, runs as a non-root user, health-checked on /healthz.

FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY src ./src
RUN npm ci --no-audit --no-fund && npm run build && npm prune --omit=dev

FROM node:22-bookworm-slim AS runtime
# Fonts for the trend chart: DejaVu for Latin text, Noto CJK so zh labels are not empty boxes.
RUN apt-get update \
 && apt-get install -y --no-install-recommends fonts-dejavu-core fonts-noto-cjk tini \
 && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
    PORT=3000 \
    REDIS_MEDIC_CONFIG=/etc/redis-medic/config.yml
WORKDIR /app
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
COPY --chown=node:node package.json manifest.yml ./
COPY --chown=node:node bin ./bin
COPY --chown=node:node locales ./locales
# The node catalog (prices, memory) the capacity advice reads; a config may override it.
COPY --chown=node:node data ./data
USER node
EXPOSE 3000
# /healthz answers 200 while the queue Redis answers PING (HTTP mode, and Socket Mode's health port).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"
# A 4 MB young generation: V8's default grows it to 3 × 16 MB under the census and TTL walks'
# allocation rate, a third of the worker's memory; the flags are the same as `npm start`'s.
ENTRYPOINT ["/usr/bin/tini", "--", "node", "--max-semi-space-size=4", "bin/redis-medic.js"]
CMD ["serve"]
