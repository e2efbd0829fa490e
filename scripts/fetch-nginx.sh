#!/bin/sh
# Unpacks Debian bookworm's nginx (1.22) into .imstack-cache/nginx without installing it, so the
# renderer's output can be checked with `nginx -t` and no nginx service starts on port 80.
set -eu
root="$(cd "$(dirname "$0")/.." && pwd)"
dest="$root/.imstack-cache/nginx"
[ -x "$dest/usr/sbin/nginx" ] && exit 0
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
chmod 777 "$tmp"
(cd "$tmp" && apt-get download nginx nginx-common >/dev/null 2>&1) || {
  apt-get update -qq >/dev/null && (cd "$tmp" && apt-get download nginx nginx-common >/dev/null)
}
mkdir -p "$dest"
for deb in "$tmp"/*.deb; do dpkg -x "$deb" "$dest"; done
"$dest/usr/sbin/nginx" -v
