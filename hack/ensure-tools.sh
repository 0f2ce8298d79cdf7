#!/usr/bin/env bash
# Checks the host tools the build and tests need, installing what Debian can provide; one clear line on failure.
set -euo pipefail
fail() { echo "ensure-tools: $*" >&2; exit 1; }
command -v npm >/dev/null 2>&1 || fail "npm not found: install Node.js >= 20 with npm (it fetches Node 24 itself)"
command -v go >/dev/null 2>&1 || fail "Go not found: install Go >= 1.24 (https://go.dev/dl); it builds the local control plane"
if ! command -v openssl >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq && apt-get install -y -qq openssl >/dev/null || fail "apt-get install openssl failed"
  else
    fail "openssl not found: install it (apt-get install openssl); it makes the control plane's certificates"
  fi
fi
command -v flock >/dev/null 2>&1 || fail "flock not found: install util-linux"
# The protocol conformance kit's tests run the Python reference app (standard library only).
if ! command -v python3 >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq && apt-get install -y -qq python3 >/dev/null || fail "apt-get install python3 failed"
  else
    fail "python3 not found: install it (apt-get install python3); the conformance tests run docs/examples/python"
  fi
fi
# The node agent runs pods in a network namespace it creates with `ip` (often in /usr/sbin, off a user's PATH).
if ! command -v ip >/dev/null 2>&1 && [ ! -x /usr/sbin/ip ] && [ ! -x /sbin/ip ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq && apt-get install -y -qq iproute2 >/dev/null || fail "apt-get install iproute2 failed"
  else
    fail "ip not found: install iproute2 (apt-get install iproute2); the node agent puts pods in a network namespace"
  fi
fi
