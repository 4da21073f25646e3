#!/usr/bin/env bash
# Builds the Python operator modules in modules/python/ into modules/dist/py-<name>.wasm
# (WebAssembly components for wasm-graph:processor@1.1.0, made with componentize-py).
#
#   usage: modules/build-python.sh [--force] [name...]   (default: every module)
#
# Each module is modules/python/<name>/<name>.py plus the helpers in modules/python/shared/.
# The build is plain `componentize-py componentize`, as AIO documents it, with no extra step:
# CPython's wasi:sockets imports are linked deny-all by Weir (a socket call gets "access
# denied"), and print(), time and tracebacks work through the WASI Weir provides.
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
declare -A WORLDS=([map]=map-impl [filter]=filter-impl [branch]=branch-impl [netprobe]=map-impl)
ORDER=(map filter branch netprobe)

FORCE=0
NAMES=()
for arg in "$@"; do
  case "$arg" in
    --force) FORCE=1 ;;
    -h | --help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "unknown option $arg" >&2; exit 2 ;;
    *) [ -n "${WORLDS[$arg]:-}" ] || { echo "no Python module '$arg' (known: ${!WORLDS[*]})" >&2; exit 2; }
       NAMES+=("$arg") ;;
  esac
done
[ ${#NAMES[@]} -gt 0 ] || NAMES=("${ORDER[@]}")

bash "$ROOT/.ci/install-python-js-toolchain.sh"
CPY=$TOOLCHAIN/python-venv/bin/componentize-py
WASM_TOOLS=$TOOLCHAIN/bin/wasm-tools

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$DIST" "$SRC/.build"

for name in "${NAMES[@]}"; do
  world=${WORLDS[$name]}
  out=$DIST/py-$name.wasm
  stampfile=$SRC/.build/py-$name.stamp
  stamp=$({
    echo "plain $world $("$CPY" --version)"
    cat "$SRC/$name"/*.py "$SRC"/shared/*.py "$WIT"/*.wit
  } | sha256sum | cut -d' ' -f1)
  if [ "$FORCE" = 0 ] && [ -f "$out" ] && [ "$(cat "$stampfile" 2>/dev/null || true)" = "$stamp" ]; then
    printf '%-26s up to date\n' "dist/py-$name.wasm"
    continue
  fi

  started=$SECONDS
  # No VIRTUAL_ENV: componentize-py would add that venv's site-packages to the module's path.
  env -u VIRTUAL_ENV "$CPY" -q -d "$WIT" -w "$world" componentize \
    -p "$SRC/$name" -p "$SRC/shared" "$name" -o "$WORK/$name.wasm"
  "$WASM_TOOLS" validate "$WORK/$name.wasm"

  # Guard the contract: operator exports of wasm-graph:processor, imports only from it and
  # from WASI 0.2 (Weir grants cli, io, clocks, random; sockets, http and files answer denied).
  wit=$("$WASM_TOOLS" component wit "$WORK/$name.wasm")
  bad=$(grep -E '^\s*import ' <<<"$wit" |
    grep -vE 'import (wasm-graph:processor/[a-z-]+@1\.1\.0|wasi:(cli|io|clocks|filesystem|random|sockets|http)/[a-z-]+@0\.2\.[0-9]+);' || true)
  [ -z "$bad" ] || { echo "py-$name.wasm has imports Weir refuses:" >&2; echo "$bad" >&2; exit 1; }
  grep -qE "^\s*export wasm-graph:processor/%?${world%-impl}@1\.1\.0;" <<<"$wit" ||
    { echo "py-$name.wasm does not export wasm-graph:processor/${world%-impl}@1.1.0" >&2; exit 1; }

  mv "$WORK/$name.wasm" "$out"
  echo "$stamp" >"$stampfile"
  printf '%-26s %9d bytes  %3ds  exports %s\n' "dist/py-$name.wasm" "$(stat -c %s "$out")" \
    $((SECONDS - started)) "wasm-graph:processor/${world%-impl}@1.1.0"
done
