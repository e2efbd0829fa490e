#!/usr/bin/env bash
# Builds SeaweedFS's `weed` from its Go module (the version pinned in tools/seaweedfs/go.mod) and a
# local image honouring the official chrislusf/seaweedfs image's entrypoint, arguments, ports,
# user and /data, FROM the live layer's debootstrap base image (test/live/images/build.ts).
#
#   scripts/seaweedfs-image.sh            build or reuse; prints the image tag on stdout
#   scripts/seaweedfs-image.sh --json     same, prints {module, version, release, officialTag, image,
#                                         id, weed, source (the module's folder), base, seconds}
#
# Cached by version: $IMSTACK_CACHE_DIR/seaweedfs/<module version>/weed (default cache
# /var/cache/imstack). A warm run only checks the cached binary and the image's content label.
# Compile output goes to <that dir>/build.log; a progress line is printed every 30 s.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
wrapper="$root/tools/seaweedfs"
context_src="$root/test/live/images/seaweedfs"
context_files=(Dockerfile su-exec)   # the rest of that folder is TypeScript for the tests and the program
module=github.com/seaweedfs/seaweedfs
cache_root="${IMSTACK_CACHE_DIR:-/var/cache/imstack}/seaweedfs"
hash_label=com.imstack.sub.hash
json=false
case "${1:-}" in
  '') ;;
  --json) json=true ;;
  *) echo "seaweedfs-image: unknown argument \"$1\" (expected --json or nothing)" >&2; exit 2 ;;
esac

say() { printf '[seaweedfs-image] %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }
command -v go >/dev/null 2>&1 || die "no \`go\` on PATH: Go >= the version in tools/seaweedfs/go.mod is needed to build weed"
command -v docker >/dev/null 2>&1 || die "no \`docker\` CLI on PATH"
started=$(date +%s)

# The wrapper's go.mod is the one place the version is pinned.
version="$(cd "$wrapper" && go list -m -f '{{.Version}}' "$module")" \
  || die "cannot resolve $module from $wrapper/go.mod"
[ -n "$version" ] || die "$wrapper/go.mod does not require $module"
commit="${version##*-}"   # pseudo-version: v0.0.0-<UTC time>-<12-hex commit>
src="$(cd "$wrapper" && go mod download -json "$module@$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
[ -d "$src" ] || die "go mod download $module@$version gave no source directory (is the module proxy reachable?)"

# The official image is tagged with the release number; a commit carries the number of the last
# release it follows (upstream bumps these constants in the release commit).
constants="$src/weed/util/version/constants.go"
major="$(sed -n 's/^[[:space:]]*MAJOR_VERSION[[:space:]]*= int32(\([0-9]*\)).*/\1/p' "$constants")"
minor="$(sed -n 's/^[[:space:]]*MINOR_VERSION[[:space:]]*= int32(\([0-9]*\)).*/\1/p' "$constants")"
[ -n "$major" ] && [ -n "$minor" ] || die "cannot read MAJOR_VERSION/MINOR_VERSION from $constants"
release="$(printf '%d.%02d' "$major" "$minor")"
image="imstack-sub/seaweedfs:$release"

out="$cache_root/$version"
mkdir -p "$out"
exec 9>"$out/.lock"
flock 9   # one builder per version; a second run waits, then finds the cache warm

if [ ! -x "$out/weed" ]; then
  say "building weed $release ($module@$version) -> $out/weed (log: $out/build.log)"
  t0=$(date +%s)
  total="$(cd "$wrapper" && go list -deps "$module/weed" | wc -l)"   # -v names each package it compiles
  # The official Dockerfile.go_build's flags: static, CGO off, COMMIT stamped, default tags (the
  # "normal" variant, not _large_disk/_full). -trimpath only drops local paths from stack traces.
  (
    cd "$wrapper"
    CGO_ENABLED=0 exec nice -n 10 go build -v -trimpath \
      -ldflags "-extldflags -static -X $module/weed/util/version.COMMIT=$commit" \
      -o "$out/weed.partial" "$module/weed"
  ) >"$out/build.log" 2>&1 &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
    kill -0 "$pid" 2>/dev/null && say "  compiling: $(wc -l <"$out/build.log")/$total packages, $(( $(date +%s) - t0 ))s"
  done
  if ! wait "$pid"; then
    tail -n 30 "$out/build.log" >&2
    rm -f "$out/weed.partial"
    die "go build failed (full log: $out/build.log)"
  fi
  rm -f "$out/weed.sha256"
  mv "$out/weed.partial" "$out/weed"
  say "weed built in $(( $(date +%s) - t0 ))s"
fi
built_version="$("$out/weed" version 2>/dev/null | head -n 1)"
case "$built_version" in
  *" $release "*"$commit"*) ;;
  *) die "$out/weed reports \"$built_version\", expected $release and commit $commit: remove $out and re-run" ;;
esac

# The base image every substitute shares; build.ts builds it (and the others) or reuses them.
base="$(cd "$root" && TS_NODE_TRANSPILE_ONLY=true node -r ts-node/register test/live/images/build.ts --json \
  | node -e 'let s="";process.stdin.on("data",(d)=>s+=d).on("end",()=>{const b=JSON.parse(s).images.find((i)=>i.name==="base");if(!b)process.exit(1);process.stdout.write(b.tag)})')" \
  || die "test/live/images/build.ts did not produce the base image"

# Upstream's own entrypoint and filer.toml at the pinned version: the image runs them unchanged.
# Hashing the ~230 MB binary takes seconds; it is done once per build and kept beside it.
[ -s "$out/weed.sha256" ] || sha256sum "$out/weed" | cut -d' ' -f1 >"$out/weed.sha256"
weed_sum="$(cat "$out/weed.sha256")"
hash="$( { printf '%s\n' "$base" "$version" "$weed_sum"
           cat "$src/docker/entrypoint.sh" "$src/docker/filer.toml"
           for f in "${context_files[@]}"; do printf '%s\n' "$f"; cat "$context_src/$f"; done; } | sha256sum | cut -c1-16)"
have="$(docker image inspect --format "{{ index .Config.Labels \"$hash_label\" }}" "$image" 2>/dev/null || true)"
if [ "$have" != "$hash" ]; then
  say "building $image FROM $base"
  ctx="$(mktemp -d)"
  trap 'rm -rf "$ctx"' EXIT
  for f in "${context_files[@]}"; do cp -p "$context_src/$f" "$ctx/$f"; done
  install -m 0755 "$src/docker/entrypoint.sh" "$ctx/entrypoint.sh"
  install -m 0644 "$src/docker/filer.toml" "$ctx/filer.toml"
  ln "$out/weed" "$ctx/weed" 2>/dev/null || cp "$out/weed" "$ctx/weed"
  DOCKER_BUILDKIT=0 docker build -q --build-arg "BASE=$base" \
    --label "$hash_label=$hash" --label com.imstack.sub=seaweedfs \
    --label "org.opencontainers.image.version=$release" --label "com.imstack.seaweedfs.module=$module@$version" \
    -t "$image" "$ctx" >"$out/image.log" 2>&1 || { tail -n 30 "$out/image.log" >&2; die "docker build of $image failed"; }
fi
id="$(docker image inspect --format '{{.Id}}' "$image")"
seconds=$(( $(date +%s) - started ))
say "$image ready ($built_version) in ${seconds}s"
if $json; then
  printf '{"module":"%s","version":"%s","release":"%s","officialTag":"chrislusf/seaweedfs:%s","image":"%s","id":"%s","weed":"%s","source":"%s","base":"%s","seconds":%d}\n' \
    "$module" "$version" "$release" "$release" "$image" "$id" "$out/weed" "$src" "$base" "$seconds"
else
  printf '%s\n' "$image"
fi
