#!/usr/bin/env bash
# `make e2e`: the e2e suite (test/e2e) on a real 2-node kind cluster, from nothing. Starts Docker when none runs
# (installing Debian's docker.io when missing), builds kind, the node image and the images it holds offline when
# they cannot be pulled (QUIESCE_IMAGES=auto|public|offline), builds the operator and sample-app images, creates
# the cluster, loads the images, runs the suite (which helm-installs the chart), then deletes the cluster and stops
# what it started. KEEP_CLUSTER=1 keeps the cluster (and dockerd) for debugging; QUIESCE_E2E_FILES="test/e2e/x.e2e.test.ts"
# runs only those files.
# QUIESCE_E2E_PROVIDER=k3s: a k3s testcontainer instead of kind (needs its image, so a machine that can pull).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
. hack/kind/versions.sh
provider=${QUIESCE_E2E_PROVIDER:-kind}
cluster=${QUIESCE_E2E_CLUSTER:-quiesce-e2e}
state=${QUIESCE_E2E_STATE:-$root/.e2e}
node=$root/node_modules/.bin/node
vitest=$root/node_modules/.bin/vitest
current="setup"
step() { current=$*; echo "e2e: $(date +%T) $*" >&2; }
fail() { echo "e2e: $*" >&2; exit 1; }
start=$(date +%s)

rm -rf "$state"; mkdir -p "$state"
made_cluster=0
cleanup() {
  local rc=$?
  if [ "${KEEP_CLUSTER:-0}" = 1 ]; then
    [ $made_cluster = 0 ] || echo "e2e: kept kind cluster $cluster (KUBECONFIG=$state/kubeconfig); delete: $KIND_BIN/kind delete cluster --name $cluster" >&2
    exit $rc
  fi
  [ $made_cluster = 0 ] || bash hack/kind/cluster.sh delete "$cluster"
  bash hack/kind/docker.sh stop "$state" || true
  if [ $rc = 0 ]; then
    echo "e2e: passed in $(( $(date +%s) - start ))s" >&2
  else
    local left="a dockerd this run started is stopped"
    [ $made_cluster = 0 ] || left="the cluster is deleted and $left"
    echo "e2e: FAILED at step \"$current\" after $(( $(date +%s) - start ))s (exit $rc); $left; KEEP_CLUSTER=1 keeps them to debug" >&2
  fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step "Docker"
bash hack/kind/docker.sh start "$state"
# kind and testcontainers use the docker on PATH and the default socket: Debian's client matches its daemon.
mkdir -p "$state/bin"; ln -sf "$DOCKER" "$state/bin/docker"
export PATH="$state/bin:$KIND_BIN:$PATH"

step "kind, kubectl and the node's binaries (cached in $KIND_BIN)"
bash hack/kind/tools.sh >/dev/null
step "kind node image and Node base image (QUIESCE_IMAGES=${QUIESCE_IMAGES:-auto})"
images_env=$(bash hack/kind/images.sh)   # an assignment, so a failure stops the run (set -e)
eval "$images_env"
step "operator and sample-app images on $NODE_BASE_IMAGE"
NODE_IMAGE=$NODE_BASE_IMAGE bash hack/build-images.sh
# A second tag of the operator image, for the suite's `helm upgrade` to a new image.
"$DOCKER" tag quiesce-operator:dev quiesce-operator:dev-upgrade

if [ "$provider" = k3s ]; then
  step "k3s testcontainer"
  QUIESCE_E2E_PROVIDER=k3s TESTCONTAINERS_RYUK_DISABLED=true "$node" "$vitest" run --config test/e2e/vitest.config.ts
  exit $?
fi
[ "$provider" = kind ] || fail "unknown QUIESCE_E2E_PROVIDER=$provider (kind | k3s)"

step "kind cluster $cluster on $KIND_NODE_IMAGE"
made_cluster=1
bash hack/kind/cluster.sh create "$cluster" "$state/kubeconfig" "$KIND_NODE_IMAGE"
step "loading the images into the nodes"
kind load docker-image --name "$cluster" quiesce-operator:dev quiesce-operator:dev-upgrade quiesce-sample-app:dev >/dev/null \
  || fail "kind load docker-image failed"
step "e2e suite"
# testcontainers' reaper (Ryuk) is an image from Docker Hub; the suite stops its own containers instead.
QUIESCE_E2E_PROVIDER=existing QUIESCE_E2E_KUBECONFIG="$state/kubeconfig" QUIESCE_KUBECTL="$KIND_BIN/kubectl" \
  TESTCONTAINERS_RYUK_DISABLED=true "$node" "$vitest" run --config test/e2e/vitest.config.ts ${QUIESCE_E2E_FILES:-}
# QUIESCE_E2E_FILES (a developer's run of some files) skips the walk-through.
[ -z "${QUIESCE_E2E_FILES:-}" ] || { echo "e2e: passed ($QUIESCE_E2E_FILES)"; exit 0; }
step "docs/install.md walk-through"
KUBECONFIG="$state/kubeconfig" KIND_CLUSTER_NAME="$cluster" NODE_IMAGE="$NODE_BASE_IMAGE" bash hack/kind/walkthrough.sh
