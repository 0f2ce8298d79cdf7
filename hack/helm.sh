#!/usr/bin/env bash
# Installs Helm v3 from the Go module proxy into a versioned cache outside the repo (reused); prints the helm path.
set -euo pipefail

HELM_VERSION=3.19.5
cache=${QUIESCE_CACHE:-$HOME/.cache/quiesce-operator}
dir="$cache/helm-v$HELM_VERSION"
helm="$dir/helm"

fail() { echo "helm.sh: $*" >&2; exit 1; }

if [ "${1:-}" = "--print-path" ]; then echo "$helm"; exit 0; fi
if [ -x "$helm" ]; then echo "$helm"; exit 0; fi

command -v go >/dev/null 2>&1 || fail "Go toolchain not found: install Go >= 1.24 (https://go.dev/dl) to build helm v$HELM_VERSION, or put a helm v3 binary at $helm"
mkdir -p "$cache"
exec 9>"$cache/.helm-build.lock"
flock 9   # a second `make test` waits for the first build instead of racing it
if [ -x "$helm" ]; then echo "$helm"; exit 0; fi

tmp=$(mktemp -d "$cache/.helm.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
echo "helm.sh: building helm v$HELM_VERSION into $dir (cold: a few minutes)" >&2
start=$(date +%s)
X=helm.sh/helm/v3/internal/version
# As helm's Makefile does: the default Kubernetes version of `helm template`/`lint` follows its client-go (v0.34),
# otherwise it is v1.20 and charts with a kubeVersion constraint fail to render.
K8S_MAJOR=1 K8S_MINOR=34
kv="-X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=$K8S_MAJOR -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=$K8S_MINOR"
kv="$kv -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=$K8S_MAJOR -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=$K8S_MINOR"
# The module's go.mod has no replace directives, so `go install pkg@version` builds it as released.
CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS=-mod=mod GOBIN="$tmp" \
  go install -trimpath -ldflags "-s -w -X $X.version=v$HELM_VERSION -X $X.gitTreeState=clean $kv" \
  "helm.sh/helm/v3/cmd/helm@v$HELM_VERSION" \
  || fail "building helm v$HELM_VERSION failed (is the Go module proxy reachable? see output above)"
"$tmp/helm" version --short >/dev/null || fail "the built helm does not run"
rm -rf "$dir"; mkdir -p "$(dirname "$dir")"; mv "$tmp" "$dir"; trap - EXIT
echo "helm.sh: built in $(( $(date +%s) - start ))s" >&2
echo "$helm"
