#!/usr/bin/env bash
# Builds the operator and sample-app images with no network inside the image build: the production node_modules
# and the compiled operator are prepared here, on the host, and copied in. NODE_IMAGE is the Node 24 base
# (default node:24-slim; hack/kind/images.sh builds an offline equivalent). Tags: OPERATOR_IMAGE, SAMPLE_APP_IMAGE.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
. hack/kind/versions.sh
fail() { echo "build-images: $*" >&2; exit 1; }
NODE_IMAGE=${NODE_IMAGE:-node:24-slim}
OPERATOR_IMAGE=${OPERATOR_IMAGE:-quiesce-operator:dev}
SAMPLE_APP_IMAGE=${SAMPLE_APP_IMAGE:-quiesce-sample-app:dev}
"$DOCKER" info >/dev/null 2>&1 || fail "no Docker daemon is reachable (docker info failed): start Docker, or run make e2e, which starts one"
"$DOCKER" image inspect "$NODE_IMAGE" >/dev/null 2>&1 || timeout 120 "$DOCKER" pull -q "$NODE_IMAGE" >/dev/null 2>&1 \
  || fail "base image $NODE_IMAGE is neither here nor pullable: set NODE_IMAGE, or build the offline one with hack/kind/images.sh"

# The production dependencies are installed inside each image build by `npm ci --omit=dev` from the lock. The
# build has no network, so the context carries an npm cache holding exactly the tarballs that install needs,
# filled here once per lock file (npm on the host reaches the registry). With an empty cache (a build with network),
# the same Dockerfile fetches them.
lock=$(cat package.json package-lock.json | sha256sum | cut -c1-12)
deps="$QUIESCE_CACHE/image-deps-$lock"
workspaces=$(node_modules/.bin/node -e 'for (const w of require("./package.json").workspaces ?? []) console.log(w)')
if [ ! -d "$deps/npm-cache" ]; then
  mkdir -p "$QUIESCE_CACHE"
  tmp=$(mktemp -d "$QUIESCE_CACHE/.deps.XXXXXX")
  cp package.json package-lock.json "$tmp/"
  for w in $workspaces; do mkdir -p "$tmp/$w" && cp "$w/package.json" "$tmp/$w/"; done
  (cd "$tmp" && npm ci --omit=dev --ignore-scripts --prefer-offline --no-audit --no-fund --cache "$tmp/npm-cache" >npm.log 2>&1) \
    || { tail -n 10 "$tmp/npm.log" >&2; rm -rf "$tmp"; fail "npm ci --omit=dev failed (log above)"; }
  rm -rf "$tmp/node_modules" "$tmp/npm.log" "$tmp/npm-cache/_logs"
  rm -rf "$deps"; mv "$tmp" "$deps"
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The operator: its one-file bundle (dependencies inside, from node_modules as the lock installed them).
node_modules/.bin/node hack/build/bundle-operator.ts >/dev/null || fail "bundling the operator failed"
mkdir -p "$work/operator/dist"
cp -r dist/operator-bundle "$work/operator/dist/operator-bundle"
# The sample app runs its TypeScript sources (Node 24 strips types outside node_modules): the folders listed in
# test/sample-app/image-contents.txt (a unit test checks that the app imports nothing outside them).
mkdir -p "$work/sample-app"
cp -r "$deps" "$work/sample-app/deps"
while read -r dir; do
  [[ -z "$dir" || "$dir" == \#* ]] && continue
  mkdir -p "$work/sample-app/$(dirname "$dir")"
  cp -r "$dir" "$work/sample-app/$dir"
done < test/sample-app/image-contents.txt

build() { # TAG DOCKERFILE CONTEXT
  local start; start=$(date +%s)
  "$DOCKER" build --network none -q --build-arg "NODE_IMAGE=$NODE_IMAGE" -t "$1" -f "$2" "$3" >"$work/build.log" 2>&1 \
    || { tail -n 20 "$work/build.log" >&2; fail "docker build of $1 failed (log above)"; }
  local size; size=$("$DOCKER" image inspect -f '{{.Size}}' "$1")
  echo "build-images: $1 built in $(( $(date +%s) - start ))s, $(( size / 1000000 )) MB (base $NODE_IMAGE)" >&2
}
build "$OPERATOR_IMAGE" Dockerfile "$work/operator"
build "$SAMPLE_APP_IMAGE" test/sample-app/Dockerfile "$work/sample-app"
