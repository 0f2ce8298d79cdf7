#!/usr/bin/env bash
# Builds the offline kind toolchain from the Go module proxy into $KIND_BIN (cached by version, reused):
# kind, the node's kubelet/kubeadm/kubectl, kube-proxy, coredns, crictl and pause. Prints $KIND_BIN.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/versions.sh"
gomod=$(cd "$here/../gomod" && pwd)
fail() { echo "e2e tools: $*" >&2; exit 1; }

want=(kind kubelet kubeadm kubectl kube-proxy coredns crictl pause)
have_all() { for b in "${want[@]}"; do [ -x "$KIND_BIN/$b" ] || return 1; done; }
if have_all; then echo "$KIND_BIN"; exit 0; fi

command -v go >/dev/null 2>&1 || fail "Go not found: install Go >= 1.24 (https://go.dev/dl); it builds kind and the node's binaries"
mkdir -p "$KIND_CACHE"
exec 9>"$KIND_CACHE/.tools.lock"
flock 9
if have_all; then echo "$KIND_BIN"; exit 0; fi

export CGO_ENABLED=0 GOTOOLCHAIN=local
tmp=$(mktemp -d "$KIND_CACHE/.tools.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
step() {
  local name=$1; shift
  [ -x "$KIND_BIN/$name" ] && return 0
  local start; start=$(date +%s)
  echo "e2e tools: building $name" >&2
  "$@" >"$tmp/$name.log" 2>&1 || { tail -n 15 "$tmp/$name.log" >&2; fail "building $name failed (log above; is the Go module proxy reachable?)"; }
  mkdir -p "$KIND_BIN"
  echo "e2e tools: $name built in $(( $(date +%s) - start ))s" >&2
}
minor=${K8S_VERSION#1.}; minor=${minor%%.*}
X=k8s.io/component-base/version
k8s_ldflags="-s -w -X $X.gitVersion=v$K8S_VERSION -X $X.gitMajor=1 -X $X.gitMinor=$minor -X $X.gitTreeState=clean -X $X.buildDate=1970-01-01T00:00:00Z"

build_kind() { GOBIN="$tmp/kind-bin" GOFLAGS=-mod=mod go install -trimpath -ldflags "-s -w" "sigs.k8s.io/kind@v$KIND_VERSION" && mv "$tmp/kind-bin/kind" "$KIND_BIN/kind"; }
build_k8s() {
  (cd "$gomod/k8s-node" && GOFLAGS=-mod=readonly go build -trimpath -ldflags "$k8s_ldflags" -o "$tmp/k8s/" \
    k8s.io/kubernetes/cmd/kubelet k8s.io/kubernetes/cmd/kubeadm k8s.io/kubernetes/cmd/kubectl k8s.io/kubernetes/cmd/kube-proxy) &&
    mv "$tmp/k8s/"* "$KIND_BIN/"
}
build_coredns() { (cd "$gomod/coredns" && GOFLAGS=-mod=readonly go build -trimpath -ldflags "-s -w" -o "$KIND_BIN/coredns" github.com/coredns/coredns); }
build_crictl() { GOBIN="$tmp/crictl-bin" GOFLAGS=-mod=mod go install -trimpath -ldflags "-s -w" "sigs.k8s.io/cri-tools/cmd/crictl@v$CRICTL_VERSION" && mv "$tmp/crictl-bin/crictl" "$KIND_BIN/crictl"; }
build_pause() { (cd "$here/images/pause" && GOFLAGS= go build -trimpath -ldflags "-s -w" -o "$KIND_BIN/pause" .); }

mkdir -p "$KIND_BIN"
step kind build_kind
step kubelet build_k8s
step coredns build_coredns
step crictl build_crictl
step pause build_pause
have_all || fail "some binaries are missing from $KIND_BIN after the build"
echo "$KIND_BIN"
