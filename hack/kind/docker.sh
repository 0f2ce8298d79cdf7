#!/usr/bin/env bash
# `docker.sh start DIR`: make a Docker engine reachable (install Debian's docker.io when missing, start dockerd
# when none runs, recording in DIR that we started it). `docker.sh stop DIR`: stop only a dockerd we started.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/versions.sh"
fail() { echo "e2e docker: $*" >&2; exit 1; }

cmd=${1:-}; state=${2:-}
[ -n "$cmd" ] && [ -n "$state" ] || fail "usage: docker.sh start|stop STATE_DIR"
mkdir -p "$state"

# CAP_SYS_RESOURCE is capability 24; without it in root's bounding set, privileged containers fail in runc.
lacks_sys_resource() {
  local bnd
  bnd=$(awk '/^CapBnd:/ {print $2}' /proc/self/status)
  [ -n "$bnd" ] && (((0x$bnd >> 24) & 1)) && return 1
  return 0
}

install_docker() {
  command -v dockerd >/dev/null 2>&1 && command -v jq >/dev/null 2>&1 && return 0
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    fail "Docker is not installed and this machine cannot install it (needs root and apt-get): install Docker Engine (https://docs.docker.com/engine/install/) and retry"
  fi
  echo "e2e docker: installing docker.io and jq from Debian" >&2
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io jq >/dev/null; } \
    || fail "apt-get install docker.io jq failed (is the Debian archive reachable? apt-get update first)"
}

start() {
  if "$DOCKER" info >/dev/null 2>&1; then return 0; fi
  install_docker
  [ -x /usr/bin/docker ] && DOCKER=/usr/bin/docker
  if "$DOCKER" info >/dev/null 2>&1; then return 0; fi
  [ "$(id -u)" = 0 ] || fail "no Docker daemon is reachable and only root can start one here: start Docker (sudo systemctl start docker) and retry"
  local args=(--host unix:///var/run/docker.sock)
  if lacks_sys_resource; then
    local wrapper="$KIND_CACHE/runtime/runc-nosysresource"
    mkdir -p "$(dirname "$wrapper")"
    install -m 0755 "$here/runc-nosysresource" "$wrapper"
    args+=(--add-runtime "runc-nosr=$wrapper" --default-runtime runc-nosr)
    echo "e2e docker: this machine lacks CAP_SYS_RESOURCE; dockerd runs containers through $wrapper" >&2
  fi
  echo "e2e docker: starting dockerd (log $state/dockerd.log)" >&2
  # The daemon outlives this script: it must not inherit the caller's other descriptors (a `flock FILE make e2e`
  # lock would stay held by dockerd for as long as it runs).
  local fd inherited=()
  for fd in /proc/$$/fd/*; do fd=${fd##*/}; [ "$fd" -gt 2 ] && inherited+=("$fd"); done
  local close=""; for fd in "${inherited[@]}"; do close+=" $fd>&-"; done
  eval 'nohup "${QUIESCE_DOCKERD:-/usr/sbin/dockerd}" "${args[@]}" >"$state/dockerd.log" 2>&1'"$close"' &'
  echo $! >"$state/dockerd.pid"
  local why="did not answer within 60 s"
  for _ in $(seq 60); do
    if "$DOCKER" info >/dev/null 2>&1; then return 0; fi
    if ! kill -0 "$(cat "$state/dockerd.pid")" 2>/dev/null; then why="exited at start"; break; fi
    sleep 1
  done
  tail -n 5 "$state/dockerd.log" >&2 || true
  stop
  fail "dockerd $why (log above, full log $state/dockerd.log): check that no other dockerd holds /var/run/docker.sock and that this machine can run containers"
}

stop() {
  [ -f "$state/dockerd.pid" ] || return 0
  local pid
  pid=$(cat "$state/dockerd.pid")
  rm -f "$state/dockerd.pid"
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid"
  for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || return 0; sleep 1; done
  echo "e2e docker: dockerd $pid did not stop in 30 s; killing it" >&2
  kill -KILL "$pid" 2>/dev/null || true
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  *) fail "unknown command $cmd (start | stop)" ;;
esac
