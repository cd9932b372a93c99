# syntax=docker/dockerfile:1.7
# MedCap admin (Next.js standalone server). Build from the repository root:
#   docker build -f docker/admin.Dockerfile .

ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
ENV NEXT_TELEMETRY_DISABLED=1 TURBO_TELEMETRY_DISABLED=1 ONNXRUNTIME_NODE_INSTALL=skip
COPY package.json package-lock.json .npmrc ./
COPY prisma/package.json prisma/
COPY apps/api/package.json apps/api/
COPY apps/admin/package.json apps/admin/
COPY models/package.json models/
COPY test/package.json test/
RUN npm ci --workspace @medcap/admin --include-workspace-root=false --no-fund --no-audit

FROM deps AS build
# The admin is a GraphQL client only: its generated operation types are committed, so no API code is copied.
COPY tsconfig.base.json ./
COPY apps/admin apps/admin
RUN cd apps/admin && NEXT_OUTPUT=standalone npx next build

FROM ${NODE_IMAGE} AS runtime
WORKDIR /app
ENV NODE_ENV=production \
    NEXT_TELEMETRY_DISABLED=1 \
    HOSTNAME=0.0.0.0 \
    PORT=3001 \
    API_URL=http://api:4000/graphql
RUN groupadd --system medcap && useradd --system --gid medcap --home-dir /app --no-create-home medcap
# Standalone output: a traced server plus the few node_modules it needs; static assets go beside it.
COPY --from=build --chown=medcap:medcap /app/apps/admin/.next/standalone ./
COPY --from=build --chown=medcap:medcap /app/apps/admin/.next/static apps/admin/.next/static
USER medcap
EXPOSE 3001
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=5 \
  CMD node -e "fetch('http://127.0.0.1:3001/login').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "apps/admin/server.js"]
