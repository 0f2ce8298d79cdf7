# quiesce-operator: the two commands are `make demo` and `make test`.
SHELL := /usr/bin/env bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

# Node 24 comes from the npm registry (devDependency "node"), so every machine runs the same Node.
export PATH := $(CURDIR)/node_modules/.bin:$(PATH)
NODE := $(CURDIR)/node_modules/.bin/node
CLUSTER_DIR ?= $(CURDIR)/.cluster

.PHONY: help test demo cluster-up cluster-down e2e bench bench-scale deps tools control-plane typecheck lint format \
        unit integration check-generated generate

help:
	@echo "make demo          zero-loss rollout demo on the local control plane"
	@echo "make test          typecheck, lint, generated-file checks, unit and integration tests"
	@echo "make cluster-up    start the local control plane + node agent; prints export KUBECONFIG=..."
	@echo "make cluster-down  stop it"
	@echo "make e2e           the scenario tests on kind (needs Docker)"
	@echo "make bench         benchmarks (results in bench/results, docs/benchmarks.md)"
	@echo "make bench-scale   2,000 pods / 200 drains scale benchmark (light-mode pods)"

tools:
	@bash hack/ensure-tools.sh

# `npm install` honours the lock file like `npm ci`, but tolerates registries (like our mirror) that do not
# serve every platform's optional packages, which `npm ci` rejects as an out-of-sync lock.
node_modules/.installed: package-lock.json package.json
	npm install --no-audit --no-fund
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

check-generated: deps
	$(NODE) hack/gen-crd.ts --check

unit: deps
	vitest run --project unit

integration: deps control-plane
	vitest run --project integration

test: deps control-plane typecheck lint check-generated unit integration

cluster-up: deps control-plane
	@$(NODE) hack/cluster/main.ts up --dir $(CLUSTER_DIR)

cluster-down: deps
	@$(NODE) hack/cluster/main.ts down --dir $(CLUSTER_DIR)

# Its own run dir (.demo/run), so it runs beside `make cluster-up`. Needs root (the pod network namespace).
demo: deps control-plane
	@$(NODE) hack/demo/main.ts

e2e:
	@echo "make e2e: not built yet (issue #6: kind + Helm e2e)." >&2; exit 2

# Not part of `make test`. BENCH_RUNS=N repeats each scenario N times (default 3).
bench: deps control-plane
	@$(NODE) hack/bench/main.ts

bench-scale: deps control-plane
	@$(NODE) hack/bench/scale.ts
