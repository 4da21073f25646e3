#!/usr/bin/env bash
# Builds the JavaScript operator modules in modules/js/ into modules/dist/js-<name>.wasm
# (WebAssembly components for wasm-graph:processor@1.1.0, made with componentize-js).
#
#   usage: modules/build-js.sh [--force] [name...]   (default: every module)
#
# Each module is modules/js/<name>/<name>.js (an ES module; it may import sibling files).
# modules/js/componentize.mjs does the build with WASI http/fetch-event disabled, so the
# component imports only wasm-graph:processor and the WASI 0.2 interfaces Weir provides.
#
# The toolchain comes from .ci/install-python-js-toolchain.sh, run first (a sub-second no-op
# once installed). A module whose inputs did not change since its last build is skipped
# (--force rebuilds); stamps live in modules/js/.build/.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
TOOLCHAIN=${WEIR_TOOLCHAIN_DIR:-$HOME/.cache/weir-toolchain}
SRC=$HERE/js
DIST=$HERE/dist
WIT=$ROOT/wit/wasm-graph

# name → world of wasm-graph:processor (wit/wasm-graph/worlds.wit). Add new modules here.
declare -A WORLDS=([map]=map-impl)

FORCE=0
NAMES=()
for arg in "$@"; do
  case "$arg" in
    --force) FORCE=1 ;;
    -h | --help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "unknown option $arg" >&2; exit 2 ;;
    *) [ -n "${WORLDS[$arg]:-}" ] || { echo "no JavaScript module '$arg' (known: ${!WORLDS[*]})" >&2; exit 2; }
       NAMES+=("$arg") ;;
  esac
done
[ ${#NAMES[@]} -gt 0 ] || NAMES=("${!WORLDS[@]}")

bash "$ROOT/.ci/install-python-js-toolchain.sh"
WASM_TOOLS=$TOOLCHAIN/bin/wasm-tools

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$DIST" "$SRC/.build"

for name in "${NAMES[@]}"; do
  world=${WORLDS[$name]}
  out=$DIST/js-$name.wasm
  stampfile=$SRC/.build/js-$name.stamp
  stamp=$({
    echo "$world"
    cat "$SRC/package-lock.json" "$SRC/componentize.mjs" "$SRC/$name"/*.js "$WIT"/*.wit
  } | sha256sum | cut -d' ' -f1)
  if [ "$FORCE" = 0 ] && [ -f "$out" ] && [ "$(cat "$stampfile" 2>/dev/null || true)" = "$stamp" ]; then
    printf '%-26s up to date\n' "dist/js-$name.wasm"
    continue
  fi

  started=$SECONDS
  (cd "$SRC" && node componentize.mjs "$name/$name.js" "$WIT" "$world" "$WORK/$name.wasm" >/dev/null)
  "$WASM_TOOLS" validate "$WORK/$name.wasm"

  # Guard the contract: operator exports of wasm-graph:processor, imports only from it and
  # from the WASI 0.2 interfaces Weir grants (http is disabled at build time: Weir would deny it).
  wit=$("$WASM_TOOLS" component wit "$WORK/$name.wasm")
  bad=$(grep -E '^\s*import ' <<<"$wit" |
    grep -vE 'import (wasm-graph:processor/[a-z-]+@1\.1\.0|wasi:(cli|io|clocks|filesystem|random)/[a-z-]+@0\.2\.[0-9]+);' || true)
  [ -z "$bad" ] || { echo "js-$name.wasm has imports Weir refuses:" >&2; echo "$bad" >&2; exit 1; }
  grep -qE "^\s*export wasm-graph:processor/%?${world%-impl}@1\.1\.0;" <<<"$wit" ||
    { echo "js-$name.wasm does not export wasm-graph:processor/${world%-impl}@1.1.0" >&2; exit 1; }

  mv "$WORK/$name.wasm" "$out"
  echo "$stamp" >"$stampfile"
  printf '%-26s %9d bytes  %3ds  exports %s\n' "dist/js-$name.wasm" "$(stat -c %s "$out")" \
    $((SECONDS - started)) "wasm-graph:processor/${world%-impl}@1.1.0"
done
