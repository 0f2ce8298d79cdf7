# quiesce-operator image. Build it with `make images` (hack/build-images.sh): that compiles operator/ to dist/ and
# installs the production dependencies on the host, then builds from that context with no network inside the
# build. NODE_IMAGE: the Node 24 base (node:24-slim, or the offline equivalent hack/kind/images.sh builds).
# Compiled JavaScript, not the sources: type stripping at run time costs each replica ~33 MB of RSS.
ARG NODE_IMAGE=node:24-slim
FROM ${NODE_IMAGE}
ENV NODE_ENV=production
WORKDIR /app
COPY node_modules ./node_modules
COPY package.json ./
COPY dist/operator ./dist/operator
# The chart runs it with a read-only root filesystem, as uid 1000, all capabilities dropped.
USER 1000:1000
EXPOSE 9443 8081
ENTRYPOINT ["node", "--enable-source-maps", "dist/operator/cli/main.js"]
CMD ["run"]
