# syntax=docker/dockerfile:1
# oc-numbers: one image for every process (API, worker, one-process start, CLI).
# Node 24 runs the TypeScript sources directly (type stripping), so there is no build stage:
# the first stage only installs production dependencies, the second copies them beside the
# sources and runs as the unprivileged `node` user.

FROM node:24-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# --omit=dev leaves out the test/lint tools and the pinned `node` devDependency: the image's
# own Node 24 runs the app.
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM node:24-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000
WORKDIR /app
# Sources stay owned by root: the app user can read them but not change them.
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY src ./src
COPY workers ./workers
COPY drizzle ./drizzle
USER node
EXPOSE 3000
# Health checks live in docker-compose.yml: the same image runs the API (HTTP health
# endpoints) and workers (health on WORKER_METRICS_PORT), so one image-level check cannot fit both.
# The one-process start (API + worker); compose runs the API and workers separately.
# register.ts starts OpenTelemetry tracing when OTEL_* asks for it, and does nothing otherwise.
CMD ["node", "--import", "./src/telemetry/register.ts", "src/main.ts"]
