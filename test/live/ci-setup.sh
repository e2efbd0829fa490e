#!/usr/bin/env bash
# Prepares a CI machine (Debian bookworm, root) for the live and browser suites:
# installs docker.io, debootstrap and chromium when missing, starts dockerd when no
# engine answers, waits for the socket, then builds or reuses the substitute images.
# Idempotent; a second run takes a few seconds.
#   test/live/ci-setup.sh            (from anywhere; needs root)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
sock=/var/run/docker.sock
started=$(date +%s)

need=()
command -v dockerd >/dev/null 2>&1 || need+=(docker.io)
command -v debootstrap >/dev/null 2>&1 || need+=(debootstrap)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
if [ ${#need[@]} -gt 0 ]; then
  echo "ci-setup: installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

engine_ok() { [ -S "$sock" ] && docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }
if ! engine_ok; then
  echo "ci-setup: starting dockerd (log: /tmp/dockerd.log)"
  nohup dockerd >/tmp/dockerd.log 2>&1 &
  for _ in $(seq 1 60); do engine_ok && break; sleep 1; done
  if ! engine_ok; then
    echo "ci-setup: dockerd did not come up within 60s; last log lines:" >&2
    tail -n 30 /tmp/dockerd.log >&2 || true
    exit 1
  fi
fi
echo "ci-setup: docker engine $(docker version --format '{{.Server.Version}}') ready"

cd "$root"
TS_NODE_TRANSPILE_ONLY=true node -r ts-node/register test/live/images/build.ts
echo "ci-setup: done in $(( $(date +%s) - started ))s"
