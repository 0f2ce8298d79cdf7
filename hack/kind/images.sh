#!/usr/bin/env bash
# Prints KIND_NODE_IMAGE=... and NODE_BASE_IMAGE=...: the kind node image and the Node base of the project's
# Dockerfiles. QUIESCE_IMAGES=public pulls kindest/node and node:24-slim; offline builds both here from Debian
# packages and Go modules (no registry); auto (default) pulls and falls back to offline when a pull fails.
# Offline images are tagged with a hash of their inputs, so a change rebuilds them and an unchanged one is reused.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
. "$here/versions.sh"
fail() { echo "e2e images: $*" >&2; exit 1; }
say() { echo "e2e images: $*" >&2; }
mode=${QUIESCE_IMAGES:-auto}
D=$DOCKER

have() { "$D" image inspect "$1" >/dev/null 2>&1; }
pull() { have "$1" || timeout "${QUIESCE_PULL_TIMEOUT:-60}" "$D" pull -q "$1" >/dev/null 2>&1; }

public() {
  pull "$PUBLIC_KIND_NODE_IMAGE" && pull "$PUBLIC_NODE_BASE_IMAGE" || return 1
  echo "KIND_NODE_IMAGE=$PUBLIC_KIND_NODE_IMAGE"
  echo "NODE_BASE_IMAGE=$PUBLIC_NODE_BASE_IMAGE"
}

case "$mode" in
  public) public || fail "pulling $PUBLIC_KIND_NODE_IMAGE or $PUBLIC_NODE_BASE_IMAGE failed; QUIESCE_IMAGES=offline builds them here"; exit 0 ;;
  auto) if public; then exit 0; fi; say "cannot pull the public images; building them offline (QUIESCE_IMAGES=offline skips the pull)" ;;
  offline) ;;
  *) fail "unknown QUIESCE_IMAGES=$mode (auto | public | offline)" ;;
esac

node_bin=$(readlink -f "$root/node_modules/.bin/node" 2>/dev/null || true)
[ -x "$node_bin" ] || fail "Node 24 is missing from node_modules (run make deps first)"
node_version=$("$node_bin" --version)
inputs=$(cd "$here" && find images node versions.sh images.sh runc-nosysresource -type f | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -c1-12)
node_image="quiesce-local/kind-node:v$K8S_VERSION-$inputs"
base_image="quiesce-local/node:${node_version#v}-$inputs"
debian_image="quiesce-local/debian:$DEBIAN_SUITE-$inputs"

if have "$node_image" && have "$base_image"; then
  echo "KIND_NODE_IMAGE=$node_image"
  echo "NODE_BASE_IMAGE=$base_image"
  exit 0
fi

start=$(date +%s)
work=$(mktemp -d)
builder=""
cleanup() { [ -z "$builder" ] || "$D" rm -f -v "$builder" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
build() { # build TAG CONTEXT [docker build args...]
  local tag=$1 ctx=$2; shift 2
  "$D" build -q -t "$tag" "$@" "$ctx" >"$work/build.log" 2>&1 \
    || { tail -n 20 "$work/build.log" >&2; fail "docker build of $tag failed (log above)"; }
}

cp_bin=$(bash "$root/hack/build-control-plane.sh")
tools=$(bash "$here/tools.sh")

if ! have "$debian_image"; then
  rootfs=$(bash "$here/debian-rootfs.sh")
  "$D" import "$rootfs" "$debian_image" >/dev/null || fail "docker import of $rootfs failed"
fi
from=(--build-arg "DEBIAN_IMAGE=$debian_image")

say "Node base $base_image"
mkdir -p "$work/node-base"
cp "$here/images/node-base/Dockerfile" "$work/node-base/"
cp "$node_bin" "$work/node-base/node"
(cd "$work/node-base" && npm pack --silent "npm@$NPM_VERSION" >/dev/null 2>&1 && mv "npm-$NPM_VERSION.tgz" npm.tgz) \
  || fail "npm pack npm@$NPM_VERSION failed (the offline Node base carries npm from the npm registry)"
build "$base_image" "$work/node-base" "${from[@]}"

say "kind base image (Debian's containerd, runc and CNI plugins)"
kind_src=$(cd "$root/hack/gomod/k8s-node" && GOFLAGS=-mod=mod go mod download -json "sigs.k8s.io/kind@v$KIND_VERSION" | jq -r .Dir)
[ -d "$kind_src/images/base/files" ] || fail "kind v$KIND_VERSION's images/base/files not found in the Go module cache"
mkdir -p "$work/base"
cp "$here/images/base/Dockerfile" "$work/base/"
cp -r "$kind_src/images/base/files" "$work/base/files"
chmod -R u+w "$work/base/files"
build "quiesce-local/kind-base:$inputs" "$work/base" "${from[@]}"

say "component images: etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kube-proxy, coredns, pause"
k8s=registry.k8s.io
images=()
for c in etcd kube-apiserver kube-controller-manager kube-scheduler; do
  mkdir -p "$work/$c" && cp "$here/images/binary/Dockerfile" "$cp_bin/$c" "$work/$c/"
  if [ "$c" = etcd ]; then tag=$k8s/etcd:$ETCD_IMAGE_TAG; else tag=$k8s/$c:v$K8S_VERSION; fi
  build "$tag" "$work/$c" --build-arg "BINARY=$c"
  images+=("$tag")
done
mkdir -p "$work/kube-proxy" && cp "$here/images/kube-proxy/"* "$work/kube-proxy/" && cp "$tools/kube-proxy" "$work/kube-proxy/kube-proxy.real"
build "$k8s/kube-proxy:v$K8S_VERSION" "$work/kube-proxy" "${from[@]}"
mkdir -p "$work/coredns" && cp "$here/images/coredns/Dockerfile" "$tools/coredns" "$work/coredns/"
build "$k8s/coredns/coredns:v$COREDNS_VERSION" "$work/coredns"
mkdir -p "$work/pause" && cp "$here/images/pause/Dockerfile" "$tools/pause" "$work/pause/"
build "$k8s/pause:$PAUSE_TAG" "$work/pause"
"$D" tag "$k8s/pause:$PAUSE_TAG" "$k8s/pause:$CONTAINERD_PAUSE_TAG"
mkdir -p "$work/kindnet-lite" && cp "$here/images/kindnet-lite/"* "$work/kindnet-lite/"
build quiesce-local/kindnet-lite:v1 "$work/kindnet-lite" "${from[@]}"
images+=("$k8s/kube-proxy:v$K8S_VERSION" "$k8s/coredns/coredns:v$COREDNS_VERSION" "$k8s/pause:$PAUSE_TAG"
  "$k8s/pause:$CONTAINERD_PAUSE_TAG" quiesce-local/kindnet-lite:v1)

# What `kind build node-image` does, by hand (its offline mode still fetches every non-control-plane image):
# the base image with kubelet, kubeadm, kubectl and crictl added, every image imported into containerd and pinned.
say "node image $node_image"
builder=quiesce-node-build-$$
"$D" run -d --entrypoint=sleep --name="$builder" --security-opt seccomp=unconfined "quiesce-local/kind-base:$inputs" infinity >/dev/null \
  || fail "cannot start a container from the kind base image"
for b in kubeadm kubelet kubectl; do "$D" cp "$tools/$b" "$builder:/usr/bin/$b"; done
"$D" cp "$tools/crictl" "$builder:/usr/local/bin/crictl"
"$D" exec "$builder" sh -c "chown root:root /usr/bin/kubeadm /usr/bin/kubelet /usr/bin/kubectl /usr/local/bin/crictl \
  && chmod 0755 /usr/bin/kubeadm /usr/bin/kubelet /usr/bin/kubectl /usr/local/bin/crictl \
  && echo v$K8S_VERSION > /kind/version && mkdir -p /kind/manifests /etc/cni/net.d"
"$D" cp "$here/node/default-cni.yaml" "$builder:/kind/manifests/default-cni.yaml"
"$D" exec "$builder" bash -c 'nohup containerd >/tmp/containerd.log 2>&1 &
  for _ in $(seq 30); do [ -S /run/containerd/containerd.sock ] && ctr version >/dev/null 2>&1 && exit 0; sleep 1; done
  cat /tmp/containerd.log; exit 1' >&2 || fail "containerd did not start inside the node image build"
"$D" save "${images[@]}" | "$D" exec -i "$builder" ctr --namespace=k8s.io images import --all-platforms --no-unpack --digests - >/dev/null \
  || fail "importing the component images into the node's containerd failed"
"$D" exec "$builder" bash -c 'for r in $(ctr -n k8s.io images list -q); do ctr -n k8s.io images label "$r" io.cri-containerd.pinned=pinned >/dev/null; done
  pkill containerd; for _ in $(seq 20); do pgrep containerd >/dev/null || break; sleep 0.5; done; rm -f /tmp/containerd.log'
"$D" commit --change 'ENTRYPOINT [ "/usr/local/bin/entrypoint", "/sbin/init" ]' \
  --change 'ENV HTTP_PROXY="" HTTPS_PROXY="" NO_PROXY=""' "$builder" "$node_image" >/dev/null || fail "docker commit of the node image failed"
say "offline images built in $(( $(date +%s) - start ))s"
echo "KIND_NODE_IMAGE=$node_image"
echo "NODE_BASE_IMAGE=$base_image"
