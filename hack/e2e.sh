#!/usr/bin/env bash
# `make e2e`: the scenario tests on a real cluster. kind (default): create a cluster, build and load both images,
# then the e2e vitest project helm-installs the chart and runs test/e2e. QUIESCE_E2E_PROVIDER=k3s: a k3s
# testcontainer instead of kind (needs Docker only). KEEP_CLUSTER=1 keeps the kind cluster for debugging.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
provider=${QUIESCE_E2E_PROVIDER:-kind}
cluster=${QUIESCE_E2E_CLUSTER:-quiesce-e2e}

missing=()
if ! command -v docker >/dev/null 2>&1; then
  missing+=("docker is not installed")
elif ! docker info >/dev/null 2>&1; then
  missing+=("the Docker daemon is not reachable (docker info failed)")
fi
if [ "$provider" = kind ] && ! command -v kind >/dev/null 2>&1; then
  missing+=("kind is not installed (https://kind.sigs.k8s.io/docs/user/quick-start/#installation)")
fi
if [ ${#missing[@]} -gt 0 ]; then
  msg=$(printf '%s; ' "${missing[@]}")
  echo "make e2e needs Docker and kind: ${msg%; }" >&2
  exit 1
fi

node=$root/node_modules/.bin/node
vitest=$root/node_modules/.bin/vitest
echo "e2e: building images quiesce-operator:dev and quiesce-sample-app:dev" >&2
docker build -q -t quiesce-operator:dev . >/dev/null
docker build -q -f test/sample-app/Dockerfile -t quiesce-sample-app:dev . >/dev/null

if [ "$provider" = k3s ]; then
  QUIESCE_E2E_PROVIDER=k3s "$node" "$vitest" run --config test/e2e/vitest.config.ts
  exit $?
fi
[ "$provider" = kind ] || { echo "e2e: unknown QUIESCE_E2E_PROVIDER=$provider (kind | k3s)" >&2; exit 1; }

work=$(mktemp -d)
cleanup() {
  if [ "${KEEP_CLUSTER:-0}" = 1 ]; then
    echo "e2e: kept kind cluster $cluster (kubeconfig $work/kubeconfig); delete: kind delete cluster --name $cluster" >&2
  else
    kind delete cluster --name "$cluster" >/dev/null 2>&1 || true
    rm -rf "$work"
  fi
}
trap cleanup EXIT
if ! kind get clusters 2>/dev/null | grep -qx "$cluster"; then
  kind create cluster --name "$cluster" ${KIND_NODE_IMAGE:+--image "$KIND_NODE_IMAGE"} --wait 120s
fi
kind get kubeconfig --name "$cluster" >"$work/kubeconfig"
kind load docker-image --name "$cluster" quiesce-operator:dev quiesce-sample-app:dev
QUIESCE_E2E_PROVIDER=existing QUIESCE_E2E_KUBECONFIG="$work/kubeconfig" \
  "$node" "$vitest" run --config test/e2e/vitest.config.ts
