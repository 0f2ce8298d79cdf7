# quiesce-operator: the two commands are `make demo` and `make test`.
SHELL := /usr/bin/env bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

# Node 24 comes from the npm registry (devDependency "node"), so every machine runs the same Node.
export PATH := $(CURDIR)/node_modules/.bin:$(PATH)
NODE := $(CURDIR)/node_modules/.bin/node
CLUSTER_DIR ?= $(CURDIR)/.cluster

.PHONY: help test demo cluster-up cluster-down e2e images bench bench-scale-in bench-scale bench-scale-5000 chaos deps tools control-plane typecheck lint format \
        unit integration check-generated generate helm helm-lint build release plugin sdk kubectl

help:
	@echo "make demo          zero-loss rollout demo on the local control plane"
	@echo "make test          typecheck, lint, generated-file checks, unit and integration tests"
	@echo "make cluster-up    start the local control plane + node agent; prints export KUBECONFIG=..."
	@echo "make cluster-down  stop it"
	@echo "make e2e           the e2e suite on a real 2-node kind cluster, from nothing (Docker, kind, images, Helm)"
	@echo "make images        the operator and sample-app images (NODE_IMAGE=node:24-slim; no network in the build)"
	@echo "make helm-lint     helm lint + helm template of charts/quiesce-operator (part of make test)"
	@echo "make plugin        kubectl-quiesce as one executable + krew archive and manifest in dist/plugin (docs/install.md)"
	@echo "make bench         benchmarks (results in bench/results, docs/benchmarks.md)"
	@echo "make bench-scale-in  the scale-in scenario alone, 3 runs per way (bench/results/scale-in.json)"
	@echo "make bench-scale   2,000 pods / 200 drains scale benchmark (light-mode pods); bench-scale-5000: 5,000 / 500"
	@echo "make chaos         fault injection during rollouts under load (bench/results/chaos.json; ~23 min)"
	@echo "make sdk           compile the Node SDK package @quiesce-operator/sdk to operator/sdk/dist (npm pack ./operator/sdk)"
	@echo "make release       dist/release: packaged chart, image OCI archives, plugin + krew manifest, SDK, SHA256SUMS"

tools:
	@bash hack/ensure-tools.sh

# `npm ci`: exactly the lock (which holds every platform's optional packages), never rewriting it.
node_modules/.installed: package-lock.json package.json
	npm ci --no-audit --no-fund
	@touch $@

deps: tools node_modules/.installed
	@test -x $(NODE) || { echo "Node 24 missing from node_modules/.bin: run npm ci" >&2; exit 1; }

control-plane: tools
	@bash hack/build-control-plane.sh >/dev/null

typecheck: deps
	tsc --noEmit -p tsconfig.json

lint: deps
	biome check .

format: deps
	biome check --write .

generate: deps
	$(NODE) hack/gen-crd.ts
	$(NODE) hack/sync-chart-crds.ts
	$(NODE) hack/gen-docs.ts

check-generated: deps
	$(NODE) hack/gen-crd.ts --check
	$(NODE) hack/sync-chart-crds.ts --check
	$(NODE) hack/gen-docs.ts --check

# Helm v3 built from the Go module proxy into the cache (like the control plane); reused after the first build.
helm: tools
	@bash hack/helm.sh >/dev/null

CHART := charts/quiesce-operator
helm-lint: helm
	@h=$$(bash hack/helm.sh); \
	for values in "" "-f $(CHART)/ci/all-features-values.yaml"; do \
	  $$h lint --strict $(CHART) $$values; \
	  $$h template quiesce-operator $(CHART) --namespace quiesce-system --include-crds $$values >/dev/null; \
	done; echo "helm-lint: chart lints and renders (defaults, all features)"

# The image runs compiled JavaScript (type stripping costs ~33 MB of RSS per process); tests run the sources.
build: deps
	rm -rf dist
	tsc -p tsconfig.build.json
	$(NODE) dist/operator/cli/main.js --help >/dev/null
	@$(NODE) hack/build/bundle-operator.ts >/dev/null
	$(NODE) dist/operator-bundle/main.mjs --help >/dev/null
	@echo "build: dist/operator compiled, dist/operator-bundle/main.mjs (the image's) bundled; both start"

# One executable (a Node single executable application, no Node needed), its krew archive and manifest, in
# dist/plugin/; rebuilt only when an input changed. `make build` (rm -rf dist) removes them.
plugin: deps
	@$(NODE) hack/build-plugin.ts

# The SDK as its own npm package (operator/sdk/package.json): compiled ESM + .d.ts for Node >= 20, no dependencies.
sdk: deps
	npm run build --workspace operator/sdk
	@echo "sdk: operator/sdk/dist compiled"

unit: deps
	vitest run --project unit

# kubectl: the plugin tests run `kubectl quiesce` through a real kubectl, built like the control plane.
kubectl: tools
	@bash hack/kubectl.sh >/dev/null

integration: deps control-plane helm kubectl
	vitest run --project integration

test: deps control-plane typecheck lint check-generated build helm-lint unit integration

cluster-up: deps control-plane
	@$(NODE) hack/cluster/main.ts up --dir $(CLUSTER_DIR)

cluster-down: deps
	@$(NODE) hack/cluster/main.ts down --dir $(CLUSTER_DIR)

# Its own run dir (.demo/run), so it runs beside `make cluster-up`. Needs root (the pod network namespace).
demo: deps control-plane
	@$(NODE) hack/demo/main.ts

# Docker (started, or installed from Debian), kind and its node image (pulled, or built offline), both images, a
# 2-node cluster, helm install, the suite (test/e2e) and the docs/install.md walk-through; then deletes the cluster.
e2e: deps helm control-plane
	@bash hack/e2e.sh

# The two images; NODE_IMAGE (base), OPERATOR_IMAGE, SAMPLE_APP_IMAGE override. No network inside the build.
images: deps
	@bash hack/build-images.sh

# Not part of `make test`. BENCH_RUNS=N repeats each scenario N times (default 3).
bench: deps control-plane
	@$(NODE) hack/bench/main.ts

# The scale-in scenario alone, 3 runs per way (naive, operator, preferIdle): bench/results/scale-in.json (~9 min).
bench-scale-in: deps control-plane
	@BENCH_SCENARIOS=scale-in BENCH_SCENARIO_RUNS=3 BENCH_SDK=0 BENCH_RESULT=scale-in.json $(NODE) hack/bench/main.ts

# The operator runs bundled, as in the image: memory is the point of this one.
bench-scale: deps control-plane build
	@OPERATOR_ENTRY=bundle $(NODE) hack/bench/scale.ts

# 5,000 pods in 500 Deployments, 500 drains at once (bench/results/scale-5000.json).
bench-scale-5000: deps control-plane build
	@OPERATOR_ENTRY=bundle SCALE_DEPLOYMENTS=500 SCALE_REPLICAS=10 SCALE_NAMESPACES=25 SCALE_RESULT=scale-5000.json \
	  $(NODE) hack/bench/scale.ts

# Not part of `make test`. Needs root (the pod network namespace). Production-like policies (web: timeout 120 s,
# CRD-default settle and poll), then the 20 s-timeout stress case. CHAOS_SCALE=0.2 for a short run,
# CHAOS_FAULTS=leader-sigkill,apiserver-down,watch-cut,endpoints,pod-exit,webhook-down,stress picks faults.
chaos: deps control-plane
	@$(NODE) hack/chaos/main.ts

# Release artefacts at package.json's version (docs/install.md). Starts Docker for the images like make e2e;
# RELEASE_IMAGES=0 skips them.
release: deps helm
	@bash hack/release.sh
