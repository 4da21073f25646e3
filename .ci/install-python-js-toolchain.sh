#!/usr/bin/env bash
# Installs what modules/build-python.sh and modules/build-js.sh need, on Debian 12 with only the
# package registries reachable (PyPI, npm, crates.io):
#
#   1. componentize-py (PyPI, pinned + hashed in modules/python/requirements.txt) in a venv.
#   2. wasm-tools (crates.io, pinned), unless .ci/install-wasm-toolchain.sh already put one there.
#   3. componentize-js and its tools (npm, pinned by modules/js/package-lock.json) into
#      modules/js/node_modules, with `npm ci --ignore-scripts` (no lifecycle script runs, so
#      nothing downloads binaries behind npm's back).
#
# Needs python3 (with venv), node >= 20 + npm, and cargo. Everything but node_modules lands in
# $WEIR_TOOLCHAIN_DIR (default ~/.cache/weir-toolchain). Idempotent: each step is skipped when
# its stamp or version matches, so a warm run is a fraction of a second.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DIR=${WEIR_TOOLCHAIN_DIR:-$HOME/.cache/weir-toolchain}
JOBS=${WEIR_JOBS:-2}
PYTHON=${PYTHON:-python3}
VENV=$DIR/python-venv
REQUIREMENTS=$ROOT/modules/python/requirements.txt
WASM_TOOLS_VERSION=1.246.2 # keep equal to .ci/install-wasm-toolchain.sh
JS_DIR=$ROOT/modules/js

log() { printf '[python-js-toolchain %ss] %s\n' "$SECONDS" "$*" >&2; }
need() { command -v "$1" >/dev/null || { log "missing $1: $2"; exit 1; }; }
digest() { sha256sum "$1" | cut -d' ' -f1; }

# Debian's cargo 1.96 when .ci/install-wasm-toolchain.sh installed it, else whatever is on PATH.
if [ -x /usr/bin/cargo ] && [ -x /usr/bin/rustc ]; then
  CARGO=/usr/bin/cargo
  export RUSTC=/usr/bin/rustc
else
  CARGO=cargo
fi

# --- 1. componentize-py ------------------------------------------------------------------------
STAMP=$(digest "$REQUIREMENTS")
if [ "$(cat "$VENV/.weir-stamp" 2>/dev/null || true)" != "$STAMP" ] ||
  ! "$VENV/bin/componentize-py" --version >/dev/null 2>&1; then
  need "$PYTHON" "install Python 3.9+ with the venv module (apt-get install python3-venv)"
  log "pip install componentize-py into $VENV"
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check --no-deps --only-binary=:all: \
    --require-hashes -r "$REQUIREMENTS"
  echo "$STAMP" >"$VENV/.weir-stamp"
fi

# --- 2. wasm-tools -----------------------------------------------------------------------------
if ! "$DIR/bin/wasm-tools" --version >/dev/null 2>&1; then
  need "$CARGO" "install Rust's cargo (or run .ci/install-wasm-toolchain.sh first)"
  log "cargo install wasm-tools@$WASM_TOOLS_VERSION into $DIR/bin (a few minutes)"
  # Same features as .ci/install-wasm-toolchain.sh, so that script sees a match and keeps it.
  $CARGO install -q --locked -j "$JOBS" --root "$DIR" --force --no-default-features \
    --features component,validate,print,parse,metadata "wasm-tools@$WASM_TOOLS_VERSION"
fi

# --- 3. componentize-js ------------------------------------------------------------------------
STAMP=$(digest "$JS_DIR/package-lock.json")
if [ "$(cat "$JS_DIR/node_modules/.weir-stamp" 2>/dev/null || true)" != "$STAMP" ]; then
  need node "install Node.js 20 or newer"
  need npm "install npm (it comes with Node.js)"
  log "npm ci in $JS_DIR"
  (cd "$JS_DIR" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
  echo "$STAMP" >"$JS_DIR/node_modules/.weir-stamp"
fi

log "ready: $("$VENV/bin/componentize-py" --version), $("$DIR/bin/wasm-tools" --version)," \
  "componentize-js" \
  "$(sed -n 's/^  "version": "\(.*\)",$/\1/p' "$JS_DIR/node_modules/@bytecodealliance/componentize-js/package.json")"
