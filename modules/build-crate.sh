#!/usr/bin/env bash
# Builds one Rust operator crate (anywhere on disk) into a WebAssembly component with Weir's
# toolchain: Debian rustc-web + the wasm32-wasip2 sysroot that .ci/install-wasm-toolchain.sh makes.
#   usage: modules/build-crate.sh <crate-dir> [out-dir]     (out-dir defaults to <crate-dir>/dist)
set -euo pipefail
WEIR=$(cd "$(dirname "$0")/.." && pwd)
CRATE=$(cd "${1:?usage: build-crate.sh <crate-dir> [out-dir]}" && pwd)
OUT=${2:-$CRATE/dist}
TOOLCHAIN=${WEIR_TOOLCHAIN_DIR:-$HOME/.cache/weir-toolchain}

bash "$WEIR/.ci/install-wasm-toolchain.sh"
export RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc
export CARGO_TARGET_WASM32_WASIP2_RUSTFLAGS="--sysroot=$TOOLCHAIN/sysroot -C link-arg=--wasm-ld-path=/usr/bin/wasm-ld-22"
(cd "$CRATE" && /usr/bin/cargo build --release --target wasm32-wasip2 -j "${WEIR_JOBS:-2}")

name=$(sed -nE 's/^name *= *"([^"]+)".*/\1/p' "$CRATE/Cargo.toml" | head -n 1)
target_dir=$(cd "$CRATE" && /usr/bin/cargo metadata --format-version 1 --no-deps | sed -E 's/.*"target_directory":"([^"]+)".*/\1/')
mkdir -p "$OUT"
cp "$target_dir/wasm32-wasip2/release/${name//-/_}.wasm" "$OUT/$name.wasm"
"$TOOLCHAIN/bin/wasm-tools" component wit "$OUT/$name.wasm" | grep -E '^\s*(import|export) ' || true
echo "built $OUT/$name.wasm"
