#!/usr/bin/env bash
# `make release`: the release artefacts in dist/release/, all at package.json's version: the packaged chart, the
# operator and sample-app images as OCI archives (built with no registry), the kubectl plugin executable with its
# krew manifest and archive, the SDK tarball, and SHA256SUMS. RELEASE_IMAGES=0 skips the images (no Docker needed).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
. hack/kind/versions.sh
fail() { echo "release: $*" >&2; exit 1; }
say() { echo "release: $*" >&2; }
node=node_modules/.bin/node
out=${RELEASE_DIR:-$root/dist/release}
# Assembled outside dist/: the builds below recreate dist/.
stage="$root/.release/out"
images=${RELEASE_IMAGES:-1}

version=$($node -p 'require("./package.json").version')
$node hack/release/check-versions.ts || fail "versions disagree (above); package.json's version is the one to follow"
start=$(date +%s)

# The images first: hack/build-images.sh recompiles dist/ (it starts with rm -rf dist).
rm -rf "$stage"; mkdir -p "$stage"
if [ "$images" = 1 ]; then
  state="$root/.release/docker"
  bash hack/kind/docker.sh start "$state"
  trap 'bash hack/kind/docker.sh stop "$state" || true' EXIT
  if [ -z "${NODE_IMAGE:-}" ]; then
    images_env=$(QUIESCE_IMAGES=${QUIESCE_IMAGES:-auto} bash hack/kind/images.sh)
    NODE_IMAGE=$(sed -n 's/^NODE_BASE_IMAGE=//p' <<<"$images_env")
  fi
  say "images on $NODE_IMAGE"
  NODE_IMAGE=$NODE_IMAGE OPERATOR_IMAGE="quiesce-operator:$version" SAMPLE_APP_IMAGE="quiesce-sample-app:$version" \
    bash hack/build-images.sh
  for image in quiesce-operator quiesce-sample-app; do
    # An OCI image layout archive that `docker load` reads too (hack/release/oci-archive.ts).
    "$DOCKER" save -o "$root/.release/$image.docker.tar" "$image:$version" || fail "docker save $image:$version failed"
    $node hack/release/oci-archive.ts "$root/.release/$image.docker.tar" "$stage/$image-$version.oci.tar" >&2 \
      || fail "converting $image:$version to an OCI archive failed"
    rm -f "$root/.release/$image.docker.tar"
  done
fi

# The chart: helm package keeps values.schema.json, README.md and crds/.
helm=$(bash hack/helm.sh)
"$helm" lint --strict charts/quiesce-operator >/dev/null || fail "helm lint --strict charts/quiesce-operator failed"
"$helm" package charts/quiesce-operator --version "$version" --app-version "$version" -d "$stage" >/dev/null \
  || fail "helm package failed"

# The plugin: one executable, its krew archive and manifest (make plugin writes them to dist/plugin/).
make --no-print-directory plugin >/dev/null || fail "make plugin failed"
cp dist/plugin/kubectl-quiesce dist/plugin/quiesce.yaml dist/plugin/kubectl-quiesce-*.tar.gz "$stage/"

# The SDK: npm pack of the workspace package (compiled JavaScript, no dependencies).
make --no-print-directory sdk >/dev/null || fail "make sdk failed"
(cd operator/sdk && npm pack --silent --pack-destination "$stage" >/dev/null) || fail "npm pack operator/sdk failed"

(cd "$stage" && sha256sum -- * | grep -v ' SHA256SUMS$' >SHA256SUMS)
rm -rf "$out"; mkdir -p "$(dirname "$out")"; mv "$stage" "$out"
say "dist/release at $version in $(( $(date +%s) - start ))s:"
(cd "$out" && ls -l | awk 'NR > 1 { printf "  %-48s %6.1f MB\n", $9, $5 / 1e6 }') >&2
