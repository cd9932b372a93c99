# syntax=docker/dockerfile:1.7
# MedCap API + medcap CLI. Build from the repository root:
#   docker build -f docker/api.Dockerfile .                                   (CPU)
#   docker build -f docker/api.Dockerfile --target runtime-gpu .              (GPU: CUDA provider from PyPI)

ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
# onnxruntime-node's CPU build: its install script (which would fetch a CUDA provider from NuGet) stays
# denied in the root package.json; the GPU target gets the provider from PyPI instead (`medcap gpu install`).
ENV CHECKPOINT_DISABLE=1 \
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

FROM deps AS build
COPY tsconfig.base.json ./
COPY prisma prisma
# Generates the Prisma client offline (the schema engine binary is not needed for generate).
RUN npm run generate -w @medcap/db
COPY apps/api apps/api
COPY models/medcap-base-v3 models/medcap-base-v3
# Production runs compiled JavaScript: the API and @medcap/db bundled into apps/api/dist/medcap.js.
RUN rm -rf apps/api/dist && npm run build -w @medcap/api && rm -rf apps/api/test apps/api/.medcap

# The CUDA execution provider from the package registries alone: `medcap gpu install` downloads the
# hash-pinned onnxruntime-gpu (onnxruntime-node's exact version) and NVIDIA CUDA 13 + cuDNN 9 wheels
# with pip (Debian's python3-pip), puts the provider beside libonnxruntime.so.1 and the CUDA libraries
# in MEDCAP_GPU_DIR (outside the /data volume, so a mounted volume does not hide them). No CUDA base
# image and no NuGet: the driver's libcuda.so.1 is the one thing the host adds (NVIDIA Container Toolkit).
FROM build AS gpu-libs
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3-pip \
 && rm -rf /var/lib/apt/lists/*
ENV MEDCAP_GPU_DIR=/opt/medcap/gpu
RUN --mount=type=cache,target=/root/.cache/medcap/wheels node apps/api/bin/medcap.mjs gpu install

# GPU runtime (`--target runtime-gpu`, used by the compose `gpu` profile): the same app plus the
# provider and CUDA libraries; needs an NVIDIA driver for CUDA 13 (580+) on the host.
FROM ${NODE_IMAGE} AS runtime-gpu
WORKDIR /app
ENV NODE_ENV=production \
    MEDCAP_HOST=0.0.0.0 \
    PORT=4000 \
    MEDCAP_DATA_DIR=/data \
    MEDCAP_GPU_DIR=/opt/medcap/gpu \
    MEDCAP_PROVIDERS=cuda,cpu \
    NVIDIA_VISIBLE_DEVICES=all \
    NVIDIA_DRIVER_CAPABILITIES=compute,utility \
    CHECKPOINT_DISABLE=1
COPY --from=gpu-libs /app /app
COPY --from=gpu-libs /opt/medcap/gpu /opt/medcap/gpu
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
