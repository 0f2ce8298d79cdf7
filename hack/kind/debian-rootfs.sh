#!/usr/bin/env bash
# Prints the path of a Debian minbase rootfs tarball built with debootstrap from the host's apt mirror (cached).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/versions.sh"
fail() { echo "e2e rootfs: $*" >&2; exit 1; }

tar="$QUIESCE_CACHE/debian-$DEBIAN_SUITE-minbase.tar"
[ -s "$tar" ] && { echo "$tar"; exit 0; }

if ! command -v debootstrap >/dev/null 2>&1; then
  [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 \
    || fail "debootstrap is missing and cannot be installed here (needs root and apt-get); or set QUIESCE_IMAGES=public on a machine that can pull images"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null; } \
    || fail "apt-get install debootstrap failed"
fi
# The host's own mirror (deb822 or one-line sources), so the build uses whatever archive this machine reaches.
mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
[ -n "$mirror" ] || mirror=$(awk '$1 == "deb" && $2 !~ /^\[/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
mirror=${mirror:-http://deb.debian.org/debian}

mkdir -p "$QUIESCE_CACHE"
work=$(mktemp -d "$QUIESCE_CACHE/.rootfs.XXXXXX")
trap 'rm -rf "$work"' EXIT
echo "e2e rootfs: debootstrap $DEBIAN_SUITE from $mirror (cold: ~2 min)" >&2
debootstrap --variant=minbase "$DEBIAN_SUITE" "$work/root" "$mirror" >"$work/debootstrap.log" 2>&1 \
  || { tail -n 5 "$work/debootstrap.log" >&2; fail "debootstrap $DEBIAN_SUITE from $mirror failed (log above)"; }
rm -rf "$work/root/var/cache/apt/archives/"*.deb "$work/root/var/lib/apt/lists/"*
tar -C "$work/root" -cf "$work/rootfs.tar" .
mv "$work/rootfs.tar" "$tar"
echo "$tar"
