"""Writes EfficientNet-Lite0 (ImageNet, 1000 classes) as ONNX from the PyTorch weights.

The graph is rebuilt from the architecture (stem, 16 MBConv blocks, head; ReLU6; TensorFlow
"SAME" padding, asymmetric on strided layers) with each BatchNorm folded into its convolution.
It takes what AIO's snapshot module feeds MobileNetV2: input `data` [1,3,224,224] f32, planar
RGB normalised with the ImageNet mean/std. These weights were trained on (v - 127) / 128, so the
graph starts by mapping one normalisation onto the other. Output `logits` [1,1000].
Weights are stored as f16 (cast back to f32 inside the graph): half the size, same top-1 on
every sample image.

usage: python efficientnet_lite0.py <weights.pth> <out.onnx>
"""
import math
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from torch_legacy import load_state_dict

BN_EPSILON = 1e-3
SIDE = 224
IMAGENET_MEAN = np.array([0.485, 0.456, 0.406])
IMAGENET_STD = np.array([0.229, 0.224, 0.225])
# (repeats, kernel, stride, expansion, input channels, output channels) per stage.
STAGES = [
    (1, 3, 1, 1, 32, 16),
    (2, 3, 2, 6, 16, 24),
    (2, 5, 2, 6, 24, 40),
    (3, 3, 2, 6, 40, 80),
    (3, 5, 1, 6, 80, 112),
    (4, 5, 2, 6, 112, 192),
    (1, 3, 1, 6, 192, 320),
]


class GraphWriter:
    def __init__(self, weights):
        self.weights = weights
        self.nodes = []
        self.initializers = []

    def const(self, name, value):
        value = np.asarray(value, dtype=np.float32)
        if value.size < 64:
            self.initializers.append(numpy_helper.from_array(value, name))
            return name
        self.initializers.append(numpy_helper.from_array(value.astype(np.float16), name + "_f16"))
        self.nodes.append(helper.make_node("Cast", [name + "_f16"], [name], to=TensorProto.FLOAT))
        return name

    def conv_bn(self, x, conv, bn, size, stride, groups, relu6, out):
        """Conv + folded BatchNorm (+ ReLU6) with TF SAME padding; returns (name, output size)."""
        w = self.weights[conv + ".weight"]
        gamma, beta, mean, var = (self.weights[bn + s] for s in
                                  (".weight", ".bias", ".running_mean", ".running_var"))
        scale = gamma / np.sqrt(var + BN_EPSILON)
        kernel = w.shape[-1]
        out_size = math.ceil(size / stride)
        pad = max((out_size - 1) * stride + kernel - size, 0)
        pads = [pad // 2, pad // 2, pad - pad // 2, pad - pad // 2]
        y = out + "_linear" if relu6 else out
        self.nodes.append(helper.make_node(
            "Conv",
            [x, self.const(out + "_w", w * scale[:, None, None, None]),
             self.const(out + "_b", beta - mean * scale)],
            [y], kernel_shape=[kernel, kernel], strides=[stride, stride], pads=pads, group=groups))
        if relu6:
            self.nodes.append(helper.make_node("Clip", [y, "zero", "six"], [out]))
        return out, out_size


def build(weights):
    g = GraphWriter(weights)
    g.const("zero", 0.0)
    g.const("six", 6.0)
    # (x * std + mean) * 255 recovers the byte value v; the model wants (v - 127) / 128.
    scale = IMAGENET_STD * 255 / 128
    shift = (IMAGENET_MEAN * 255 - 127) / 128
    g.nodes.append(helper.make_node("Mul", ["data", g.const("in_scale", scale.reshape(1, 3, 1, 1))], ["scaled"]))
    g.nodes.append(helper.make_node("Add", ["scaled", g.const("in_shift", shift.reshape(1, 3, 1, 1))], ["x"]))
    x, size = g.conv_bn("x", "_conv_stem", "_bn0", SIDE, 2, 1, True, "stem")
    block = 0
    for repeats, kernel, stride, expand, first_in, out_ch in STAGES:
        for r in range(repeats):
            # Only a stage's first block changes the channel count and strides.
            in_ch, s = (first_in, stride) if r == 0 else (out_ch, 1)
            p, h = f"_blocks.{block}", x
            if expand != 1:
                h, _ = g.conv_bn(h, p + "._expand_conv", p + "._bn0", size, 1, 1, True, f"b{block}_expand")
            h, new_size = g.conv_bn(h, p + "._depthwise_conv", p + "._bn1", size, s, in_ch * expand, True, f"b{block}_dw")
            assert weights[p + "._depthwise_conv.weight"].shape[-1] == kernel
            h, _ = g.conv_bn(h, p + "._project_conv", p + "._bn2", new_size, 1, 1, False, f"b{block}_project")
            if s == 1 and in_ch == out_ch:
                g.nodes.append(helper.make_node("Add", [h, x], [f"b{block}_out"]))
                h = f"b{block}_out"
            x, size, block = h, new_size, block + 1
    x, _ = g.conv_bn(x, "_conv_head", "_bn1", size, 1, 1, True, "head")
    g.nodes.append(helper.make_node("GlobalAveragePool", [x], ["pooled"]))
    g.nodes.append(helper.make_node("Flatten", ["pooled"], ["features"], axis=1))
    g.nodes.append(helper.make_node(
        "Gemm", ["features", g.const("fc_w", weights["_fc.weight"]), g.const("fc_b", weights["_fc.bias"])],
        ["logits"], transB=1))
    graph = helper.make_graph(
        g.nodes, "efficientnet_lite0",
        [helper.make_tensor_value_info("data", TensorProto.FLOAT, [1, 3, SIDE, SIDE])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, 1000])],
        g.initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], ir_version=8,
                              producer_name="weir modules/imagenet")
    onnx.checker.check_model(model)
    return model


if __name__ == "__main__":
    weights_path, out_path = sys.argv[1:3]
    onnx.save(build(load_state_dict(weights_path)), out_path)
    print(f"wrote {out_path}")
