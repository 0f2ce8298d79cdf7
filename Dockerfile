# quiesce-operator image. `make images` (hack/build-images.sh) compiles operator/ to dist/ and prepares the context:
# dist/operator and deps/ (package.json, package-lock.json, workspace manifests and an npm cache holding the
# production tarballs), so the build needs no network. NODE_IMAGE: the Node 24 base with npm (node:24-slim, or the
# offline equivalent hack/kind/images.sh builds). With network, an empty deps/npm-cache makes npm ci fetch instead.
# Compiled JavaScript, not the sources: type stripping at run time costs each replica ~33 MB of RSS.
ARG NODE_IMAGE=node:24-slim
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY deps/ ./
RUN npm ci --omit=dev --ignore-scripts --prefer-offline --no-audit --no-fund --cache /app/npm-cache

FROM ${NODE_IMAGE}
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY deps/package.json ./
COPY dist/operator ./dist/operator
# The chart runs it with a read-only root filesystem, as uid 1000, all capabilities dropped.
USER 1000:1000
EXPOSE 9443 8081
ENTRYPOINT ["node", "--enable-source-maps", "dist/operator/cli/main.js"]
CMD ["run"]
