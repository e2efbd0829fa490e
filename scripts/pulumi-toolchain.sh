#!/bin/sh
# Builds the Pulumi toolchain that the real-engine tests use, from Go modules through the module
# proxy only: the CLI, pulumi-language-nodejs, and the docker, random and command resource plugins,
# each at the version that package.json pins for its npm SDK. The result is keyed by those versions:
#   ${IMSTACK_CACHE_DIR:-/var/cache/imstack}/pulumi-toolchain/<key>/
#     bin/pulumi, bin/pulumi-language-nodejs   the CLI finds the language host next to itself
#     home/                                    PULUMI_HOME, plugins installed with --file
#     toolchain.json                           written last; test/support/pulumiToolchain.ts reads it
#   .../pulumi-toolchain/go/{mod,build}        GOMODCACHE and GOCACHE, shared by every key
# A warm run only verifies and prints the path.
#
# Usage: sh scripts/pulumi-toolchain.sh            build (or verify) everything
#        sh scripts/pulumi-toolchain.sh --tidy NAME  regenerate tools/pulumi-toolchain/NAME/go.{mod,sum}
# PULUMI_TOOLCHAIN_ONLY="pulumi ..." limits a build to some components (for working on one of them;
# the tests need all five, so such a build writes no toolchain.json).
# Exit status: 0 built or verified; 3 the proxy refused a module (named, and kept in
# <key>/blocked.txt for the tests to quote) and nothing was compiled; 1 anything else.
set -eu
root="$(cd "$(dirname "$0")/.." && pwd)"
wrappers="$root/tools/pulumi-toolchain"

log() { printf '[pulumi-toolchain] %s\n' "$*"; }
die() { log "error: $*" >&2; exit 1; }

command -v go >/dev/null 2>&1 || die "no 'go' on PATH"

pin() {
  v="$(sed -n "s|.*\"@pulumi/$1\": *\"\([^\"]*\)\".*|\1|p" "$root/package.json" | head -1)"
  case "$v" in [0-9]*.[0-9]*.[0-9]*) printf '%s' "$v" ;; *) die "package.json pins no exact @pulumi/$1 version ('$v')" ;; esac
}
PULUMI_V="$(pin pulumi)"; DOCKER_V="$(pin docker)"; RANDOM_V="$(pin random)"; COMMAND_V="$(pin command)"

ALL="pulumi language-nodejs docker random command"
# The CLI is always part of a build: it installs and verifies the plugins.
COMPONENTS="${PULUMI_TOOLCHAIN_ONLY:-$ALL}"
case " $COMPONENTS " in *" pulumi "*) ;; *) COMPONENTS="pulumi $COMPONENTS" ;; esac

cache="${IMSTACK_CACHE_DIR:-/var/cache/imstack}/pulumi-toolchain"
export GOMODCACHE="$cache/go/mod" GOCACHE="$cache/go/build"
# Registry modules only: no `direct` fallback (that would clone from VCS), checksums from the
# default sum database, no private-module exemptions.
export GOPROXY=https://proxy.golang.org GONOPROXY= GONOSUMDB= GOPRIVATE= GOFLAGS=-mod=readonly
export CGO_ENABLED=0
# A wrapper whose go line is newer than this Go needs a toolchain the proxy serves as a module;
# go1.27.3 is the one approved here. Otherwise stay on the machine's Go.
export GOTOOLCHAIN="${GOTOOLCHAIN:-local}"
for c in $ALL; do
  g="$(sed -n 's/^go \([0-9.]*\).*/\1/p' "$wrappers/$c/go.mod" 2>/dev/null || true)"
  case "$g" in 1.2[7-9]*|1.[3-9]*) [ "$GOTOOLCHAIN" = local ] && export GOTOOLCHAIN=go1.27.3 ;; esac
done
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE:-imstack-toolchain}"

# The key changes with the pins, the wrappers' module graphs, this recipe and the Go version, so a
# stale build is never reused; readable prefix first, for whoever lists the cache.
recipe_hash="$( { cat "$0"; go env GOVERSION; for c in $ALL; do cat "$wrappers/$c/go.mod" "$wrappers/$c/go.sum" 2>/dev/null || true; done; } | sha256sum | cut -c1-10)"
key="pulumi-$PULUMI_V.docker-$DOCKER_V.random-$RANDOM_V.command-$COMMAND_V.$recipe_hash"
out="$cache/$key"

# --- component table ----------------------------------------------------------------------------
# MOD@VER is the upstream module the binary comes from; PKG its main package; LDX the -X that makes
# it report its version. Versions that only exist as pseudo-versions are derived from the release
# tag's commit (see pseudo_from_tag), so bumping a pin in package.json is the only edit.
component() {
  case "$1" in
    pulumi)
      MOD=github.com/pulumi/pulumi/pkg/v3 VERS="v$PULUMI_V" PKG=$MOD/cmd/pulumi BIN=pulumi
      LDX="github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_V" PLUGIN= PVER= ;;
    language-nodejs)
      # A module of its own with no tags of its own: only pseudo-versions of the v3.x.y tag's commit.
      MOD=github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3
      VERS="pseudo:github.com/pulumi/pulumi@v$PULUMI_V+incompatible:3" PKG=$MOD BIN=pulumi-language-nodejs
      LDX="github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_V" PLUGIN= PVER= ;;
    docker)
      MOD=github.com/pulumi/pulumi-docker/provider/v5
      VERS="v$DOCKER_V pseudo:github.com/pulumi/pulumi-docker@v$DOCKER_V+incompatible:5"
      PKG=$MOD/cmd/pulumi-resource-docker BIN=pulumi-resource-docker
      LDX="$MOD/pkg/version.Version=$DOCKER_V" PLUGIN=docker PVER="$DOCKER_V" ;;
    random)
      MOD=github.com/pulumi/pulumi-random/provider/v4
      VERS="v$RANDOM_V pseudo:github.com/pulumi/pulumi-random@v$RANDOM_V+incompatible:4"
      PKG=$MOD/cmd/pulumi-resource-random BIN=pulumi-resource-random
      LDX="$MOD/pkg/version.Version=$RANDOM_V" PLUGIN=random PVER="$RANDOM_V" ;;
    command)
      MOD=github.com/pulumi/pulumi-command/provider
      VERS="v$COMMAND_V pseudo:github.com/pulumi/pulumi-command@v$COMMAND_V:0"
      PKG=$MOD/cmd/pulumi-resource-command BIN=pulumi-resource-command
      LDX="$MOD/pkg/version.Version=$COMMAND_V" PLUGIN=command PVER="$COMMAND_V" ;;
    *) die "unknown component '$1' (known: $ALL)" ;;
  esac
}

# go's JSON has one field a line; enough to read Error, Version, Time and Origin.Hash without jq.
jfield() { sed -n "s/^[[:space:]]*\"$1\": \"\(.*\)\",\{0,1\}$/\1/p" | head -1; }

# "m@v: reading https://…/v.info: 403 Forbidden\n\tserver response: …" -> "403 Forbidden (…)"
short_err() { sed -e 's/^.*: reading [^ ]*: //' -e 's/\\n\\tserver response: \(.*\)/ (\1)/' -e 's/^[[:space:]]*server response: //'; }

# pseudo:MODULE@TAG:MAJOR -> vMAJOR.0.0-<commit time>-<12 hex>, the version go assigns to the tagged
# commit in a module that has no tags of its own.
pseudo_from_tag() {
  spec="${1#pseudo:}"; tagmod="${spec%:*}"; major="${spec##*:}"
  j="$(cd / && go list -m -json "$tagmod" 2>&1)" || { printf '%s\n' "$j" | tail -3 >&2; return 1; }
  hash="$(printf '%s\n' "$j" | jfield Hash)"; t="$(printf '%s\n' "$j" | jfield Time)"
  [ -n "$hash" ] && [ -n "$t" ] || { echo "$tagmod: the proxy's answer names no commit" >&2; return 1; }
  printf 'v%s.0.0-%s-%s' "$major" "$(printf '%s' "$t" | tr -d -- '-:TZ' | cut -c1-14)" "$(printf '%s' "$hash" | cut -c1-12)"
}

# Sets VER to the first candidate the proxy serves; records every refusal in $refusals.
resolve() {
  component "$1"; VER=
  for cand in $VERS; do
    case "$cand" in
      pseudo:*) v="$(pseudo_from_tag "$cand" 2>"$tmp/err")" || {
                  tagmod="${cand#pseudo:}"; refusals="$refusals
  ${tagmod%:*} (asked for the commit of the tag, to name $MOD by pseudo-version): $(tail -1 "$tmp/err" | short_err)"; continue; } ;;
      *) v="$cand" ;;
    esac
    j="$(cd / && go mod download -json "$MOD@$v" 2>/dev/null || true)"
    e="$(printf '%s\n' "$j" | jfield Error | short_err)"
    if [ -z "$e" ] && [ -n "$j" ]; then VER="$v"; return 0; fi
    refusals="$refusals
  $MOD@$v: ${e:-no answer}"
  done
  return 1
}

missing_embeds() {
  for f in $(sed -n 's|^//go:embed \(.*\)|\1|p' "$1"/*.go 2>/dev/null); do [ -e "$1/$f" ] || printf ' %s' "$f"; done
}

# Module zips lack what upstream generates at build time (gitignored), and the module cache is
# read-only, so a provider whose main package embeds generated files is built from a writable copy
# of its module, pointed at by a replace in a scratch copy of the wrapper. The files are produced
# the way upstream's Makefile does: its own tfgen binary writes schema.json (and bridge-metadata.json)
# from the provider's Go code, then the package's own generate.go (`go generate`) minifies it into
# schema-embed.json. Not yet run here: no provider module has been served.
prepare_generated() {
  pkgdir="$1"; wrap="$2"; missing="$3"
  log "$PLUGIN: generating$missing"
  if [ -d "$(dirname "$pkgdir")/pulumi-tfgen-$PLUGIN" ]; then
    (cd "$wrap" && nice -n 10 go build -trimpath -ldflags "-X $LDX" -o "$tmp/tfgen-$PLUGIN" "${PKG%/cmd/*}/cmd/pulumi-tfgen-$PLUGIN")
    (cd "$wrap" && "$tmp/tfgen-$PLUGIN" schema --out "$pkgdir")
  fi
  if grep -qs 'go:generate' "$pkgdir"/*.go; then
    (cd "$pkgdir" && GOFLAGS=-mod=mod go generate .)
  fi
  [ -z "$(missing_embeds "$pkgdir")" ] || die "$PKG: could not generate$(missing_embeds "$pkgdir")"
}

verify() {
  [ -x "$out/bin/pulumi" ] || return 1
  [ "$("$out/bin/pulumi" version 2>/dev/null)" = "v$PULUMI_V" ] || return 1
  case " $COMPONENTS " in *" language-nodejs "*) [ -x "$out/bin/pulumi-language-nodejs" ] || return 1 ;; esac
  ls="$(PULUMI_HOME="$out/home" "$out/bin/pulumi" plugin ls 2>/dev/null)" || return 1
  for c in $COMPONENTS; do
    component "$c"; [ -n "$PLUGIN" ] || continue
    printf '%s\n' "$ls" | grep -Eq "^$PLUGIN[[:space:]]+resource[[:space:]]+$PVER[[:space:]]" || return 1
  done
}

write_manifest() {
  cat > "$out/toolchain.json.tmp" <<EOF
{
  "key": "$key",
  "pulumi": "$PULUMI_V",
  "docker": "$DOCKER_V",
  "random": "$RANDOM_V",
  "command": "$COMMAND_V",
  "binDir": "$out/bin",
  "pulumiHome": "$out/home",
  "builtAt": "$(date -u +%Y-%m-%dT%H:%M:%SZ)",
  "go": "$(go env GOVERSION)"
}
EOF
  mv "$out/toolchain.json.tmp" "$out/toolchain.json"
}

mkdir -p "$cache" || die "cannot create $cache (set IMSTACK_CACHE_DIR to a writable directory)"
tmp="$(mktemp -d "$cache/.work.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT INT TERM

# --- --tidy: the maintainer's way to (re)write a wrapper after a pin moves -----------------------
if [ "${1:-}" = "--tidy" ]; then
  name="${2:?--tidy needs a component name: $ALL}"; refusals=""
  resolve "$name" || { log "the proxy refused $MOD:$refusals"; exit 3; }
  cp -r "$wrappers/$name" "$tmp/w"
  (cd "$tmp/w" && GOFLAGS=-mod=mod go get "$MOD@$VER" && GOFLAGS=-mod=mod go mod tidy)
  cp "$tmp/w/go.mod" "$tmp/w/go.sum" "$wrappers/$name/"
  log "$name: wrapper now requires $MOD@$VER; review and commit tools/pulumi-toolchain/$name/go.{mod,sum}"
  exit 0
fi

# --- warm path ------------------------------------------------------------------------------------
# A full build counts as done once toolchain.json exists; a partial one once its pieces verify.
done_already() { { [ -f "$out/toolchain.json" ] || [ "$COMPONENTS" != "$ALL" ]; } && verify; }
if done_already; then
  log "ready (cached): $out"
  exit 0
fi

# One builder per key; a second caller waits and then takes the warm path.
if command -v flock >/dev/null 2>&1; then
  exec 9>"$cache/$key.lock"
  flock -n 9 || { log "another build of $key is running; waiting"; flock 9; }
  if done_already; then log "ready (cached): $out"; exit 0; fi
fi

start=$(date +%s)
log "building $key (components: $COMPONENTS)"
log "cache: $cache"

# --- gate: every module downloaded before anything compiles ---------------------------------------
# First the upstream modules themselves (a refusal here is the usual blocker), then each wrapper's
# whole module graph exactly as its committed go.sum records it.
blocked() {
  mkdir -p "$out"
  printf 'Modules the Pulumi toolchain needs could not be had from the Go module proxy (nothing was compiled):%s\n' "$refusals" > "$out/blocked.txt"
  log "BLOCKED: these could not be had from the Go module proxy; nothing was compiled:$refusals"
  log "(kept in $out/blocked.txt)"
  exit 3
}
refusals=""; resolved=""
for c in $COMPONENTS; do
  if resolve "$c"; then resolved="$resolved $c=$VER"; log "gate: $MOD@$VER served"; fi
done
# Stop here rather than fetch the served wrappers' graphs (1.4 GB for the CLI alone) for nothing.
[ -z "$refusals" ] || blocked
for c in $COMPONENTS; do
  component "$c"
  ver="$(printf '%s\n' $resolved | sed -n "s/^$c=//p")"
  if [ ! -f "$wrappers/$c/go.sum" ]; then
    refusals="$refusals
  tools/pulumi-toolchain/$c has no go.sum yet: run 'sh scripts/pulumi-toolchain.sh --tidy $c' and commit it"
    continue
  fi
  want="$(cd "$wrappers/$c" && go list -m -f '{{.Version}}' "$MOD" 2>/dev/null || true)"
  [ "$want" = "$ver" ] || { refusals="$refusals
  tools/pulumi-toolchain/$c requires $MOD@${want:-nothing} but the pin resolves to $ver: run --tidy $c"; continue; }
  log "gate: go mod download for tools/pulumi-toolchain/$c"
  if ! j="$(cd "$wrappers/$c" && go mod download -json 2>"$tmp/err")"; then
    bad="$(printf '%s\n' "$j" | awk -F'"' '/"Path":/{p=$4} /"Version":/{v=$4} /"Error":/{print "  " p "@" v ": " $4}')"
    refusals="$refusals
${bad:-  tools/pulumi-toolchain/$c: go mod download failed: $(tail -1 "$tmp/err")}"
  fi
done
[ -z "$refusals" ] || blocked
rm -f "$out/blocked.txt"
log "gate passed in $(( $(date +%s) - start ))s"

# --- build ------------------------------------------------------------------------------------------
mkdir -p "$out/bin" "$out/home"
for c in $COMPONENTS; do
  component "$c"
  s=$(date +%s)
  w="$tmp/wrap-$c"; cp -r "$wrappers/$c" "$w"
  modver="$(cd "$w" && go list -m -f '{{.Version}}' "$MOD")"
  modroot="$GOMODCACHE/$(printf '%s' "$MOD" | sed 's/[A-Z]/!&/g' | tr 'A-Z' 'a-z')@$modver"
  missing="$(missing_embeds "$modroot${PKG#"$MOD"}")"
  if [ -n "$missing" ]; then
    src="$tmp/src-$c"; cp -r "$modroot" "$src"; chmod -R u+w "$src"
    (cd "$w" && go mod edit -replace "$MOD=$src")
    prepare_generated "$src${PKG#"$MOD"}" "$w" "$missing"
  fi
  log "$c: compiling $PKG"
  (cd "$w" && nice -n 10 go build -trimpath -ldflags "-s -w -X $LDX" -o "$out/bin/$BIN.new" "$PKG")
  mv "$out/bin/$BIN.new" "$out/bin/$BIN"
  log "$c: built in $(( $(date +%s) - s ))s"
done

# The CLI's release archive ships this script beside pulumi so that dynamic providers
# (pulumi.dynamic.Resource) run; it is in the sdk/v3 module the CLI was built from.
dyn="$GOMODCACHE/github.com/pulumi/pulumi/sdk/v3@v$PULUMI_V/nodejs/dist/pulumi-resource-pulumi-nodejs"
[ -f "$dyn" ] || die "$dyn is missing from the sdk/v3 module"
cp "$dyn" "$out/bin/" && chmod 755 "$out/bin/pulumi-resource-pulumi-nodejs"

for c in $COMPONENTS; do
  component "$c"; [ -n "$PLUGIN" ] || continue
  log "$c: pulumi plugin install resource $PLUGIN $PVER"
  PULUMI_HOME="$out/home" "$out/bin/pulumi" plugin install resource "$PLUGIN" "$PVER" --file "$out/bin/$BIN" >/dev/null
done

verify || die "built, but 'pulumi version' / 'pulumi plugin ls' in $out do not show the pinned versions"
if [ "$COMPONENTS" = "$ALL" ]; then write_manifest; fi
log "$("$out/bin/pulumi" version) ready in $(( $(date +%s) - start ))s: $out"
