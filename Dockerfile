# syntax=docker/dockerfile:1
#
# Switchboard's container image: a build stage compiles TypeScript with every dependency, a
# production-dependency stage installs only what the node needs at run time, and the runtime stage
# holds those, the compiled code and the static files, on node:20-slim, as a non-root user.
#
#   docker build -t switchboard .
#   docker run --rm -p 8000:8000 \
#     -e SWITCHBOARD_TOKEN_HMAC_SECRET=... -e SWITCHBOARD_API_KEY=... switchboard
#
# Configuration comes from SWITCHBOARD_* environment variables (every key has one, see
# docs/configuration.md), or from a file mounted into the container and named by SWITCHBOARD_CONFIG.
# docs/deployment.md describes the image, its health check and its stop sequence.

ARG NODE_IMAGE=node:20-bookworm
ARG NODE_RUNTIME_IMAGE=node:20-bookworm-slim

# ---- build: compile src/ into dist/ -----------------------------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
# The whole context (.dockerignore keeps it to the sources): npm ci needs the root package and the
# package.json of every workspace before it can install.
COPY . .
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund
RUN npm run build

# ---- prod-deps: node_modules without devDependencies ------------------------------------------
# A full Node image, so that a native addon without a prebuilt binary can still compile; the slim
# runtime has no compiler. Both images are Debian bookworm, so the binaries match the runtime's libc.
FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
COPY --from=build /app /app
RUN rm -rf node_modules
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --no-audit --no-fund

# ---- runtime ----------------------------------------------------------------------------------
FROM ${NODE_RUNTIME_IMAGE} AS runtime
ENV NODE_ENV=production
# Every interface of the container: a development start (no keys set) would otherwise listen on
# 127.0.0.1 only, which no published port reaches. Isolation is the container's network.
ENV SWITCHBOARD_HTTP_SERVER_ADDRESS=0.0.0.0
WORKDIR /app
# Owned by root and read-only to the node's user: the process cannot change its own code. It writes
# nothing to disk (logs go to standard output), so the root filesystem may be mounted read-only.
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/dist ./dist
# Files the node reads at run time, found relative to dist/: the landing page and demo (web/), the
# admin UI (src/admin/web/) and the gRPC proxy's schema (src/proxy/grpc/proxy.proto).
COPY --from=build /app/web ./web
COPY --from=build /app/src/admin/web ./src/admin/web
COPY --from=build /app/src/proxy/grpc/proxy.proto ./src/proxy/grpc/proxy.proto
COPY --from=build /app/deploy/docker/healthcheck.mjs ./deploy/docker/healthcheck.mjs

# The `node` user of the official images, by number: Kubernetes' runAsNonRoot can only verify a
# numeric user.
USER 1000:1000
EXPOSE 8000
# GET /health on the node's own port, read from the node's own configuration (port, address, TLS).
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "/app/deploy/docker/healthcheck.mjs"]
# SIGTERM starts the drain: not ready at once, clients told to reconnect (3001) in waves over
# shutdown.drain_duration, exit 0 within shutdown.timeout. `docker stop --time` (default 10 s) must
# be longer than shutdown.timeout (default 10 s): use `docker stop --time 15`.
STOPSIGNAL SIGTERM
# Exec form, and the image's own entrypoint instead of the base image's docker-entrypoint.sh: node is
# PID 1 and receives the signal itself, no shell in between. It installs its own SIGTERM/SIGINT
# handlers and starts no child processes (nothing to reap), so no init (tini, --init) is needed.
# The image is the `switchboard` command: `docker run IMAGE gentoken --user 42` runs another one.
ENTRYPOINT ["node", "/app/dist/cli/main.js"]
CMD ["serve"]
