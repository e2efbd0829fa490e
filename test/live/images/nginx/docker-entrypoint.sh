#!/bin/sh
# Emulates the official nginx image's entrypoint: when starting nginx, run the
# /docker-entrypoint.d/*.sh hooks first (the official image uses them for templates).
set -e
if [ "$1" = "nginx" ] || [ "$1" = "nginx-debug" ]; then
  for f in /docker-entrypoint.d/*.sh; do
    [ -e "$f" ] || continue
    if [ -x "$f" ]; then echo "$0: launching $f"; "$f"; else echo "$0: ignoring $f, not executable"; fi
  done
fi
exec "$@"
