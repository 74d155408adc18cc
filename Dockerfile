# etcd-responder: one image for the webhook receiver, the recovery worker, or both in one process.
#   docker build -t etcd-responder:0.1.0 --build-arg VERSION=0.1.0 --build-arg REVISION=$(git rev-parse HEAD) .
#   docker run etcd-responder:0.1.0 serve --config /etc/etcd-responder/config.yaml
# The Node.js release the project is built and tested with (scripts/install-node.mjs pins the same one).
ARG NODE_IMAGE=node:24.22.3-bookworm-slim

# Production dependencies: the root package's, without the workspace packages (packages/, such as the
# sandbox, are development tools) and without development dependencies.
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --workspaces=false --no-audit --no-fund

# Build stage: compile the TypeScript.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --workspaces=false --no-audit --no-fund
COPY tsconfig.base.json tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# Runtime stage: node, the compiled code and the production dependencies, run as an unprivileged user.
FROM ${NODE_IMAGE} AS runtime
ARG NODE_IMAGE
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG CREATED=unknown
ARG SOURCE=unknown
LABEL org.opencontainers.image.title="etcd-responder" \
      org.opencontainers.image.description="Heals crash-looping etcd members on Kubernetes: Alertmanager webhook, queued recoveries, safe member replacement." \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.base.name="${NODE_IMAGE}"
ENV NODE_ENV=production
# npm and corepack are not needed to run and only widen what an intruder could use. The snapshots directory
# exists for `docker run` without volumes; on Kubernetes a volume is mounted there.
RUN groupadd --gid 10001 responder \
 && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin responder \
 && mkdir -p /var/lib/etcd-responder/snapshots /etc/etcd-responder \
 && chown 10001:10001 /var/lib/etcd-responder/snapshots \
 && rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack \
      /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack
WORKDIR /app
COPY --from=deps /app/package.json ./package.json
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
USER 10001:10001
# 8080: webhook receiver and API (PORT); 8081: worker health and metrics (WORKER_PORT).
EXPOSE 8080 8081
# V8's young generation kept at 8 MiB (not up to 128 MiB) and its heap grown by 20 % steps, which holds a process's
# memory near its idle size under load for some 8 % of its top speed; WebAssembly (the HTTP parser of the Kubernetes
# client) compiled by the baseline compiler only, which saves some 10 MiB (README, "Memory").
ENTRYPOINT ["node", "--max-semi-space-size=4", "--heap-growing-percent=20", "--liftoff-only", "dist/cli.js"]
CMD ["all", "--config", "/etc/etcd-responder/config.yaml"]
