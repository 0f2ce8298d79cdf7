# Versions and cache paths of the offline kind toolchain; sourced by the other hack/kind scripts.
KIND_VERSION=0.33.0
K8S_VERSION=1.34.4
ETCD_IMAGE_TAG=3.6.5-0
COREDNS_VERSION=1.12.1
CRICTL_VERSION=1.34.0
PAUSE_TAG=3.10.1
CONTAINERD_PAUSE_TAG=3.10
DEBIAN_SUITE=bookworm
# npm in the offline Node base (node:24-slim has npm; the Dockerfiles run npm ci), fetched from the npm registry.
NPM_VERSION=11.6.2
# kind v0.33.0's node image for Kubernetes v1.34.x, used when images can be pulled (QUIESCE_IMAGES=public).
PUBLIC_KIND_NODE_IMAGE=${PUBLIC_KIND_NODE_IMAGE:-kindest/node:v$K8S_VERSION}
PUBLIC_NODE_BASE_IMAGE=${PUBLIC_NODE_BASE_IMAGE:-node:24-slim}

QUIESCE_CACHE=${QUIESCE_CACHE:-$HOME/.cache/quiesce-operator}
KIND_CACHE="$QUIESCE_CACHE/kind-v$KIND_VERSION-k8s-v$K8S_VERSION"
KIND_BIN="$KIND_CACHE/bin"
# Debian's docker client: the machine's /usr/local/bin/docker may be a newer client than Debian's daemon.
DOCKER=${DOCKER:-/usr/bin/docker}
[ -x "$DOCKER" ] || DOCKER=$(command -v docker || echo docker)
