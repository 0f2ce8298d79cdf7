#!/usr/bin/env bash
# Builds etcd, kube-apiserver, kube-controller-manager and kube-scheduler from the committed
# wrapper modules in hack/gomod/, into a cache outside the repo keyed by version; reuses it.
set -euo pipefail

K8S_VERSION=1.34.4
ETCD_VERSION=3.6.5
here=$(cd "$(dirname "$0")" && pwd)
cache=${QUIESCE_CACHE:-$HOME/.cache/quiesce-operator}
bin="$cache/k8s-v$K8S_VERSION-etcd-v$ETCD_VERSION"
want=(etcd kube-apiserver kube-controller-manager kube-scheduler)

fail() { echo "build-control-plane: $*" >&2; exit 1; }

have_all() { for b in "${want[@]}"; do [ -x "$bin/$b" ] || return 1; done; }

if [ "${1:-}" = "--print-dir" ]; then echo "$bin"; exit 0; fi
if have_all; then echo "$bin"; exit 0; fi

command -v go >/dev/null 2>&1 || fail "Go toolchain not found: install Go >= 1.24 (https://go.dev/dl) and retry"
mkdir -p "$cache"
exec 9>"$cache/.build.lock"
flock 9   # two concurrent builds would fight over the same output
if have_all; then echo "$bin"; exit 0; fi

tmp=$(mktemp -d "$cache/.build.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
export CGO_ENABLED=0 GOFLAGS=-mod=readonly GOTOOLCHAIN=local
minor=${K8S_VERSION#1.}; minor=${minor%%.*}
X=k8s.io/component-base/version
ldflags="-s -w -X $X.gitVersion=v$K8S_VERSION -X $X.gitMajor=1 -X $X.gitMinor=$minor -X $X.gitTreeState=clean -X $X.buildDate=1970-01-01T00:00:00Z"

echo "build-control-plane: building etcd v$ETCD_VERSION and Kubernetes v$K8S_VERSION into $bin (cold: tens of minutes)" >&2
start=$(date +%s)
( cd "$here/gomod/etcd" && go build -trimpath -ldflags "-s -w" -o "$tmp/etcd" go.etcd.io/etcd/server/v3 ) \
  || fail "etcd build failed (is the Go module proxy reachable? see output above)"
( cd "$here/gomod/k8s" && go build -trimpath -ldflags "$ldflags" -o "$tmp/" \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kube-scheduler ) \
  || fail "Kubernetes build failed (is the Go module proxy reachable? see output above)"
rm -rf "$bin"; mv "$tmp" "$bin"; trap - EXIT
echo "build-control-plane: built in $(( $(date +%s) - start ))s" >&2
echo "$bin"
