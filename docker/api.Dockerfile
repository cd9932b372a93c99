# syntax=docker/dockerfile:1.7
# MedCap API + medcap CLI. Build from the repository root:
#   docker build -f docker/api.Dockerfile .                                   (CPU)
#   docker build -f docker/api.Dockerfile --build-arg ONNXRUNTIME_NODE_INSTALL=cuda12 --target runtime-gpu .   (GPU)

ARG NODE_IMAGE=node:24-bookworm-slim
# The CUDA execution provider needs the CUDA 12 runtime and cuDNN 9 beside it; Node comes from NODE_IMAGE.
ARG CUDA_IMAGE=nvidia/cuda:12.8.1-cudnn-runtime-ubuntu24.04

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
# `skip` installs onnxruntime-node's CPU build; `cuda12` lets its install script fetch the CUDA provider.
ARG ONNXRUNTIME_NODE_INSTALL=skip
ENV ONNXRUNTIME_NODE_INSTALL=${ONNXRUNTIME_NODE_INSTALL} \
    npm_config_onnxruntime_node_install=${ONNXRUNTIME_NODE_INSTALL} \
    CHECKPOINT_DISABLE=1 \
    PRISMA_HIDE_UPDATE_MESSAGE=1 \
    NEXT_TELEMETRY_DISABLED=1 \
    TURBO_TELEMETRY_DISABLED=1
# Manifests first, so the dependency layer is cached until a lockfile or package.json changes.
# npm ci checks every workspace listed in the root package.json against the lockfile.
COPY package.json package-lock.json .npmrc ./
COPY prisma/package.json prisma/
COPY apps/api/package.json apps/api/
COPY apps/admin/package.json apps/admin/
COPY models/package.json models/
COPY test/package.json test/
RUN npm ci --workspace @medcap/api --workspace @medcap/db --include-workspace-root=false --no-fund --no-audit
# npm 11 blocks install scripts unless approved; onnxruntime-node's script is what fetches the CUDA
# provider, so on a GPU build approve it and run it now. The root package.json denies it explicitly
# (the CPU build needs no script), and npm refuses to approve a denied package until the entry is gone.
RUN if [ "$ONNXRUNTIME_NODE_INSTALL" != "skip" ]; then \
      npm pkg delete allowScripts.onnxruntime-node \
      && npm install-scripts approve onnxruntime-node \
      && npm rebuild onnxruntime-node --foreground-scripts; \
    fi

FROM deps AS build
COPY tsconfig.base.json ./
COPY prisma prisma
# Generates the Prisma client offline (the schema engine binary is not needed for generate).
RUN npm run generate -w @medcap/db
COPY apps/api apps/api
COPY models/medcap-base-v2 models/medcap-base-v2
# Production runs compiled JavaScript: the API and @medcap/db bundled into apps/api/dist/medcap.js.
RUN rm -rf apps/api/dist && npm run build -w @medcap/api && rm -rf apps/api/test apps/api/.medcap

# GPU runtime (`--target runtime-gpu`, used by the compose `gpu` profile): same app on a CUDA base image.
FROM ${CUDA_IMAGE} AS runtime-gpu
WORKDIR /app
COPY --from=deps /usr/local/bin/node /usr/local/bin/node
ENV NODE_ENV=production \
    MEDCAP_HOST=0.0.0.0 \
    PORT=4000 \
    MEDCAP_DATA_DIR=/data \
    MEDCAP_PROVIDERS=cuda,cpu \
    CHECKPOINT_DISABLE=1
COPY --from=build /app /app
RUN mkdir -p /data \
 && groupadd --system medcap && useradd --system --gid medcap --home-dir /app --no-create-home medcap \
 && chown -R medcap:medcap /data
USER medcap
VOLUME ["/data"]
EXPOSE 4000
HEALTHCHECK --interval=10s --timeout=3s --start-period=120s --retries=6 \
  CMD node -e "fetch('http://127.0.0.1:4000/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["node", "apps/api/bin/medcap.mjs"]
CMD ["serve"]

# CPU runtime: the default target (last stage).
FROM ${NODE_IMAGE} AS runtime
WORKDIR /app
ENV NODE_ENV=production \
    MEDCAP_HOST=0.0.0.0 \
    PORT=4000 \
    MEDCAP_DATA_DIR=/data \
    CHECKPOINT_DISABLE=1
# The API runs the bundle built above (apps/api/dist/medcap.js). Its sources ship beside it: the
# bundle reads the GraphQL SDL and the migrations from them, and the bin checks the bundle against them.
COPY --from=build /app /app
RUN mkdir -p /data \
 && groupadd --system medcap && useradd --system --gid medcap --home-dir /app --no-create-home medcap \
 && chown -R medcap:medcap /data
USER medcap
VOLUME ["/data"]
EXPOSE 4000
HEALTHCHECK --interval=10s --timeout=3s --start-period=120s --retries=6 \
  CMD node -e "fetch('http://127.0.0.1:4000/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["node", "apps/api/bin/medcap.mjs"]
CMD ["serve"]
