#!/usr/bin/env bash
# `cluster.sh create NAME KUBECONFIG NODE_IMAGE`: a 2-node kind cluster (control plane + worker), both nodes
# schedulable, CoreDNS ready. `cluster.sh delete NAME`: delete it. A create that fails deletes what it made.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/versions.sh"
fail() { echo "e2e cluster: $*" >&2; exit 1; }
kind=${KIND:-$KIND_BIN/kind}
kubectl=${KUBECTL:-$KIND_BIN/kubectl}

create() {
  local name=$1 kubeconfig=$2 image=$3 start
  start=$(date +%s)
  if "$kind" get clusters 2>/dev/null | grep -qx "$name"; then
    echo "e2e cluster: deleting a kind cluster $name left by an earlier run" >&2
    "$kind" delete cluster --name "$name" >/dev/null 2>&1 || true
  fi
  if ! "$kind" create cluster --name "$name" --image "$image" --config "$here/cluster-config.yaml" \
      --kubeconfig "$kubeconfig" --wait 180s >"$kubeconfig.create.log" 2>&1; then
    tail -n 20 "$kubeconfig.create.log" >&2
    "$kind" delete cluster --name "$name" >/dev/null 2>&1 || true
    fail "kind create cluster failed (log above); nothing is left behind"
  fi
  local k=("$kubectl" --kubeconfig "$kubeconfig")
  "${k[@]}" taint nodes --all node-role.kubernetes.io/control-plane:NoSchedule- >/dev/null 2>&1 || true
  "${k[@]}" wait --for=condition=Ready nodes --all --timeout=180s >/dev/null \
    && "${k[@]}" -n kube-system rollout status deployment/coredns --timeout=180s >/dev/null \
    || { "${k[@]}" get pods -A -o wide >&2 || true; "$kind" delete cluster --name "$name" >/dev/null 2>&1 || true; fail "nodes or CoreDNS not ready in 180 s (pods above)"; }
  echo "e2e cluster: $name ready in $(( $(date +%s) - start ))s ($(${k[@]} get nodes --no-headers | wc -l) nodes)" >&2
}

case "${1:-}" in
  create) [ $# -eq 4 ] || fail "usage: cluster.sh create NAME KUBECONFIG NODE_IMAGE"; create "$2" "$3" "$4" ;;
  delete) [ $# -eq 2 ] || fail "usage: cluster.sh delete NAME"; "$kind" delete cluster --name "$2" >/dev/null 2>&1 || true ;;
  *) fail "usage: cluster.sh create|delete ..." ;;
esac
