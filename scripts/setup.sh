#!/bin/sh
# The README's set-up command: everything the tests need on a fresh Debian bookworm machine.
#   - Debian packages: Docker engine, debootstrap (substitute images), chromium (browser tests),
#     postgresql and redis-server (backend and backup integration tests), openssl, prometheus and
#     prometheus-alertmanager (promtool and amtool check the rendered monitoring config; their
#     services are never started);
#   - Debian's nginx 1.22 unpacked for `nginx -t` (not installed as a service);
#   - the Docker engine started if it is not running;
#   - npm ci (which also installs apps/*).
# Without root, the apt and dockerd steps are skipped with a note; the suites that need them
# then skip and say why (except under CI=true, where they fail).
set -eu
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

log() { printf '[setup] %s\n' "$*"; }

# The Pulumi toolchain for the real-engine tests builds from Go modules (slow on 2 cores) while the
# rest of set-up runs; its result is reported at the end. Not building it is no set-up failure:
# those tests then skip and say why, or fail under IMSTACK_REQUIRE_PULUMI=1.
toolchain_pid=""
if command -v go >/dev/null 2>&1; then
  log "pulumi toolchain: building in the background (log: /tmp/imstack-pulumi-toolchain.log)"
  sh scripts/pulumi-toolchain.sh >/tmp/imstack-pulumi-toolchain.log 2>&1 &
  toolchain_pid=$!
else
  log "no 'go' on PATH: not building the Pulumi toolchain (the real-engine tests will skip)"
fi

PACKAGES="docker.io debootstrap chromium postgresql redis-server openssl ca-certificates iproute2 prometheus prometheus-alertmanager"
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  missing=""
  for p in $PACKAGES; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
  if [ -n "$missing" ]; then
    log "installing Debian packages:$missing"
    # Stop package scripts from starting services: a system postgres or redis would take the
    # ports the dev stack publishes.
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/tmp/imstack-apt.log 2>&1 || {
      tail -20 /tmp/imstack-apt.log; exit 1; }
    rm -f /usr/sbin/policy-rc.d
  fi
  sh scripts/fetch-nginx.sh >/dev/null
else
  log "not root or no apt-get: skipping Debian packages ($PACKAGES)"
fi

if command -v dockerd >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  if ! docker info >/dev/null 2>&1; then
    log "starting dockerd"
    (dockerd >/tmp/dockerd.log 2>&1 &)
    i=0
    until [ -S /var/run/docker.sock ] && docker info >/dev/null 2>&1; do
      i=$((i + 1))
      if [ $i -gt 60 ]; then log "dockerd did not come up; see /tmp/dockerd.log"; tail -20 /tmp/dockerd.log; exit 1; fi
      sleep 1
    done
  fi
  log "docker engine $(docker version --format '{{.Server.Version}}')"
fi

log "npm ci"
npm ci --no-audit --no-fund
if [ -n "$toolchain_pid" ]; then
  log "pulumi toolchain: waiting for the build"
  toolchain_rc=0; wait "$toolchain_pid" || toolchain_rc=$?
  tail -40 /tmp/imstack-pulumi-toolchain.log
  [ "$toolchain_rc" = 0 ] || log "pulumi toolchain not built (exit $toolchain_rc); the real-engine tests will skip or, under IMSTACK_REQUIRE_PULUMI=1, fail"
fi
log "done"
