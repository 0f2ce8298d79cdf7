# quiesce-operator image. `make images` (hack/build-images.sh) bundles the operator on the host into one ES module
# (dist/operator-bundle/main.mjs, hack/build/bundle-operator.ts: every dependency inside, from the lock's
# node_modules), so the image needs no node_modules and its build no network. NODE_IMAGE: the Node 24 base
# (node:24-slim, or the offline equivalent hack/kind/images.sh builds).
# One bundled file rather than ~900 modules: ~40 MB less RSS per replica (docs/benchmarks.md#scale-make-bench-scale).
ARG NODE_IMAGE=node:24-slim
FROM ${NODE_IMAGE}
ENV NODE_ENV=production
WORKDIR /app
COPY dist/operator-bundle ./dist/operator-bundle
# The chart runs it with a read-only root filesystem, as uid 1000, all capabilities dropped.
USER 1000:1000
EXPOSE 9443 8081
ENTRYPOINT ["node", "dist/operator-bundle/main.mjs"]
CMD ["run"]
