#!/usr/bin/env bash
# Builds kubectl (the version the control plane runs) from the Go module proxy into a versioned cache outside the
# repo (reused); prints its path. The plugin tests run `kubectl quiesce` through it, as a user would.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/kind/versions.sh"
dir="$QUIESCE_CACHE/kubectl-v$K8S_VERSION"
kubectl="$dir/kubectl"

fail() { echo "kubectl.sh: $*" >&2; exit 1; }

if [ "${1:-}" = "--print-path" ]; then echo "$kubectl"; exit 0; fi
if [ -x "$kubectl" ]; then echo "$kubectl"; exit 0; fi
# make e2e's tool build holds the same kubectl: reuse it.
if [ -x "$KIND_BIN/kubectl" ]; then mkdir -p "$dir" && cp "$KIND_BIN/kubectl" "$kubectl.tmp" && mv "$kubectl.tmp" "$kubectl" && echo "$kubectl" && exit 0; fi

command -v go >/dev/null 2>&1 || fail "Go toolchain not found: install Go >= 1.24 (https://go.dev/dl) to build kubectl v$K8S_VERSION, or put a kubectl at $kubectl"
mkdir -p "$QUIESCE_CACHE"
exec 9>"$QUIESCE_CACHE/.kubectl-build.lock"
flock 9   # a second `make test` waits for the first build instead of racing it
if [ -x "$kubectl" ]; then echo "$kubectl"; exit 0; fi

tmp=$(mktemp -d "$QUIESCE_CACHE/.kubectl.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
echo "kubectl.sh: building kubectl v$K8S_VERSION into $dir (cold: a few minutes)" >&2
start=$(date +%s)
minor=${K8S_VERSION#1.}; minor=${minor%%.*}
X=k8s.io/component-base/version
ldflags="-s -w -X $X.gitVersion=v$K8S_VERSION -X $X.gitMajor=1 -X $X.gitMinor=$minor -X $X.gitTreeState=clean -X $X.buildDate=1970-01-01T00:00:00Z"
( cd "$here/gomod/k8s-node" && CGO_ENABLED=0 GOFLAGS=-mod=readonly GOTOOLCHAIN=local \
    go build -trimpath -ldflags "$ldflags" -o "$tmp/kubectl" k8s.io/kubernetes/cmd/kubectl ) \
  || fail "kubectl build failed (is the Go module proxy reachable? see output above)"
"$tmp/kubectl" version --client >/dev/null || fail "the built kubectl does not run"
mkdir -p "$dir"; mv "$tmp/kubectl" "$kubectl"
echo "kubectl.sh: built in $(( $(date +%s) - start ))s" >&2
echo "$kubectl"
