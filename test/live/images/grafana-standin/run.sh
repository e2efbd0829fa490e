#!/bin/bash
# As upstream's run.sh: every GF_<X>__FILE names a file whose content becomes GF_<X> (bash's
# command substitution drops trailing newlines, as there). Then the stand-in server.
set -e
for var in $(compgen -e | grep '^GF_.*__FILE$' || true); do
  target="${var%__FILE}"
  if [ -n "${!target:-}" ]; then
    echo >&2 "ERROR: $target and $var are both set (but are exclusive)"
    exit 1
  fi
  export "$target"="$(< "${!var}")"
  unset "$var"
done
exec node /usr/share/grafana/standin/server.js "$@"
