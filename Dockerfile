# quiesce-operator image. Build from the repository root:
#   docker build -t quiesce-operator:dev .
# The sources compile to dist/ (tsc, erasable syntax only, so the output is the sources minus their types): type
# stripping at run time would cost each replica ~33 MB of RSS.

# Stage 1: production dependencies only, installed against the lock.
FROM node:24-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# `npm install` against the lock (as the Makefile does): `npm ci` rejects a lock missing other platforms'
# optional packages, which some registries do not serve. --ignore-scripts: no install scripts run.
RUN npm install --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

# Stage 2: compile operator/ to JavaScript.
FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm install --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY operator/ ./operator/
RUN ./node_modules/.bin/tsc -p tsconfig.build.json

# Stage 3: the runtime, without npm's cache or build tools.
FROM node:24-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY --from=build /app/dist/operator/ ./dist/operator/
# The chart runs it with a read-only root filesystem, as uid 1000 (`node`), all capabilities dropped.
USER 1000:1000
EXPOSE 9443 8081
ENTRYPOINT ["node", "--enable-source-maps", "dist/operator/cli/main.js"]
CMD ["run"]
