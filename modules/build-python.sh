#!/usr/bin/env bash
# Builds the Python operator modules in modules/python/ into modules/dist/py-<name>.wasm
# (WebAssembly components for wasm-graph:processor@1.1.0, made with componentize-py).
#
#   usage: modules/build-python.sh [--stub-wasi] [--force] [name...]   (default: every module)
#
# Each module is modules/python/<name>/<name>.py plus the helpers in modules/python/shared/.
# componentize-py's Python runtime imports wasi:sockets, which Weir refuses; by default the
# sockets imports are filled with a trapping stub (generated from the component's own WIT and
# attached with `wac plug`), so print(), time and tracebacks keep working through the WASI
# that Weir does provide. --stub-wasi instead uses componentize-py's own --stub-wasi: no WASI
# imports at all, but print(), time.time() and uncaught exceptions then trap, and the random
# seed is fixed at build time.
#
# The toolchain comes from .ci/install-python-js-toolchain.sh, run first (a sub-second no-op
# once installed). A module whose inputs did not change since its last build is skipped
# (--force rebuilds); stamps live in modules/python/.build/.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
TOOLCHAIN=${WEIR_TOOLCHAIN_DIR:-$HOME/.cache/weir-toolchain}
SRC=$HERE/python
DIST=$HERE/dist
WIT=$ROOT/wit/wasm-graph

# name → world of wasm-graph:processor (wit/wasm-graph/worlds.wit). Add new modules here.
declare -A WORLDS=([map]=map-impl [filter]=filter-impl [branch]=branch-impl)

MODE=plug
FORCE=0
NAMES=()
for arg in "$@"; do
  case "$arg" in
    --stub-wasi) MODE=stub ;;
    --force) FORCE=1 ;;
    -h | --help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "unknown option $arg" >&2; exit 2 ;;
    *) [ -n "${WORLDS[$arg]:-}" ] || { echo "no Python module '$arg' (known: ${!WORLDS[*]})" >&2; exit 2; }
       NAMES+=("$arg") ;;
  esac
done
[ ${#NAMES[@]} -gt 0 ] || NAMES=(map filter branch)

bash "$ROOT/.ci/install-python-js-toolchain.sh"
CPY=$TOOLCHAIN/python-venv/bin/componentize-py
WAC=$TOOLCHAIN/bin/wac
WASM_TOOLS=$TOOLCHAIN/bin/wasm-tools

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$DIST" "$SRC/.build"

# Exports every wasi:sockets interface that $1 imports, as a component whose functions trap.
sockets_stub() {
  local component=$1 out=$2 dir=$WORK/sockets-wit version
  rm -rf "$dir" && mkdir -p "$dir/deps"
  "$WASM_TOOLS" component wit "$component" --out-dir "$WORK/component-wit" >/dev/null
  cp "$WORK"/component-wit/deps/*.wit "$dir/deps/"
  rm -f "$dir/deps/processor.wit"
  version=$(sed -n 's/^package wasi:sockets@\(.*\);$/\1/p' "$dir/deps/sockets.wit")
  {
    echo "package weir:sockets-stub;"
    echo "world sockets-stub {"
    sed -n "s/^interface \([a-z0-9-]*\) {\$/  export wasi:sockets\/\1@$version;/p" "$dir/deps/sockets.wit"
    echo "}"
  } >"$dir/stub.wit"
  "$WASM_TOOLS" component embed --dummy "$dir" --world sockets-stub -o "$WORK/stub-core.wasm"
  "$WASM_TOOLS" component new "$WORK/stub-core.wasm" -o "$out"
  rm -rf "$WORK/component-wit"
}

for name in "${NAMES[@]}"; do
  world=${WORLDS[$name]}
  out=$DIST/py-$name.wasm
  stampfile=$SRC/.build/py-$name.stamp
  stamp=$({
    echo "$MODE $world $("$CPY" --version) $("$WAC" --version)"
    cat "$SRC/$name"/*.py "$SRC"/shared/*.py "$WIT"/*.wit
  } | sha256sum | cut -d' ' -f1)
  if [ "$FORCE" = 0 ] && [ -f "$out" ] && [ "$(cat "$stampfile" 2>/dev/null || true)" = "$stamp" ]; then
    printf '%-26s up to date\n' "dist/py-$name.wasm"
    continue
  fi

  started=$SECONDS
  # No VIRTUAL_ENV: componentize-py would add that venv's site-packages to the module's path.
  flags=()
  [ "$MODE" = stub ] && flags=(--stub-wasi)
  env -u VIRTUAL_ENV "$CPY" -q -d "$WIT" -w "$world" componentize "${flags[@]}" \
    -p "$SRC/$name" -p "$SRC/shared" "$name" -o "$WORK/$name.wasm"
  if [ "$MODE" = plug ] && "$WASM_TOOLS" component wit "$WORK/$name.wasm" | grep -q '^ *import wasi:sockets/'; then
    sockets_stub "$WORK/$name.wasm" "$WORK/sockets-stub.wasm"
    "$WAC" plug "$WORK/$name.wasm" --plug "$WORK/sockets-stub.wasm" -o "$WORK/$name.plugged.wasm"
    mv "$WORK/$name.plugged.wasm" "$WORK/$name.wasm"
  fi
  "$WASM_TOOLS" validate "$WORK/$name.wasm"

  # Guard the contract: operator exports of wasm-graph:processor, imports only from it and
  # from the WASI 0.2 interfaces Weir provides (no sockets, no http).
  wit=$("$WASM_TOOLS" component wit "$WORK/$name.wasm")
  bad=$(grep -E '^\s*import ' <<<"$wit" |
    grep -vE 'import (wasm-graph:processor/[a-z-]+@1\.1\.0|wasi:(cli|io|clocks|filesystem|random)/[a-z-]+@0\.2\.[0-9]+);' || true)
  [ -z "$bad" ] || { echo "py-$name.wasm has imports Weir refuses:" >&2; echo "$bad" >&2; exit 1; }
  grep -qE "^\s*export wasm-graph:processor/%?${world%-impl}@1\.1\.0;" <<<"$wit" ||
    { echo "py-$name.wasm does not export wasm-graph:processor/${world%-impl}@1.1.0" >&2; exit 1; }

  mv "$WORK/$name.wasm" "$out"
  echo "$stamp" >"$stampfile"
  printf '%-26s %9d bytes  %3ds  exports %s\n' "dist/py-$name.wasm" "$(stat -c %s "$out")" \
    $((SECONDS - started)) "wasm-graph:processor/${world%-impl}@1.1.0"
done
