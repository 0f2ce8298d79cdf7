#!/usr/bin/env bash
# Runs the kind walk-through of docs/install.md (every ```sh block after a `<!-- walkthrough -->` line) against the
# cluster in KUBECONFIG / KIND_CLUSTER_NAME, then checks its outcome: each old pod of the rollout was drained.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
: "${KUBECONFIG:?set KUBECONFIG to the cluster}" "${KIND_CLUSTER_NAME:?set KIND_CLUSTER_NAME to the kind cluster}"
fail() { echo "e2e walkthrough: $*" >&2; exit 1; }
script=$(mktemp)
trap 'rm -f "$script"' EXIT
awk '/^<!-- walkthrough -->$/ {armed = 1; next}
     armed && /^```sh$/ {inside = 1; next}
     inside && /^```$/ {inside = 0; armed = 0; print ""; next}
     inside {print}' docs/install.md >"$script"
[ -s "$script" ] || fail "no walk-through blocks found in docs/install.md"
helm_dir=$(dirname "$(bash hack/helm.sh)")
export PATH="$helm_dir:$PATH"
echo "e2e walkthrough: running $(grep -c . "$script") lines of docs/install.md" >&2
start=$(date +%s)
bash -euo pipefail "$script" >"$script.out" 2>&1 || { tail -n 30 "$script.out" >&2; fail "a docs/install.md walk-through command failed (output above)"; }
drained=$(kubectl -n walkthrough get events --field-selector reason=Drained -o name | wc -l)
timed_out=$(kubectl -n walkthrough get events --field-selector reason=DrainTimedOut -o name | wc -l)
[ "$drained" -ge 2 ] && [ "$timed_out" = 0 ] || fail "expected 2 Drained events and no DrainTimedOut, got $drained and $timed_out"
echo "e2e walkthrough: passed in $(( $(date +%s) - start ))s ($drained pods drained)" >&2
rm -f "$script.out"
