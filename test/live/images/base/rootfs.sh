#!/usr/bin/env bash
# Builds the Debian bookworm root filesystem every substitute image shares, as a tarball.
# One rootfs for all services keeps the cold build to a single debootstrap (~45 s) and
# lets docker share the layer. The host's Node 20 is copied in because Debian ships 18.
#   rootfs.sh OUT.tar PKG[,PKG...]
set -euo pipefail
out="$1"; pkgs="$2"
mirror="${IMSTACK_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
work="$(mktemp -d "${out%/*}/rootfs.XXXXXX")"
root="$work/root"
cleanup() {
  # debootstrap mounts /proc (and maybe more) in the chroot; never recurse into a live mount.
  { grep -o " $root/[^ ]*" /proc/mounts || true; } | sort -r | while read -r m; do umount -l "$m" || true; done
  rm -rf --one-file-system "$work"
}
trap cleanup EXIT

debootstrap --variant=minbase --include="$pkgs" bookworm "$root" "$mirror" >"$work/debootstrap.log" 2>&1 || {
  tail -n 40 "$work/debootstrap.log" >&2; exit 1; }

# Size trim: nothing in the images reads docs, man pages, translations or apt indexes.
rm -rf "$root"/usr/share/{doc,man,info,locale,lintian,linda}/* \
       "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb \
       "$root"/var/log/*.log "$root"/var/log/apt/* "$root"/tmp/*
# Debian's packaged cluster would shadow the entrypoint's own initdb into $PGDATA.
rm -rf "$root"/var/lib/postgresql/15/main "$root"/etc/postgresql/15/main

# Node 20 from the host: the binary needs only glibc/libstdc++, which bookworm has.
install -m 0755 "$(readlink -f "$(command -v node)")" "$root/usr/local/bin/node"
mkdir -p "$root/usr/local/lib/node_modules"
cp -a /usr/lib/node_modules/npm "$root/usr/local/lib/node_modules/npm"
ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"

tar -C "$root" --numeric-owner --exclude=./proc/* --exclude=./sys/* --exclude=./dev/pts/* -cf "$out.partial" .
mv "$out.partial" "$out"
