#!/usr/bin/env python3
"""Builds ONNX files from the face-api weights (@vladmandic/face-api, MIT) that live mode's
selfie check runs with tract: the 68-point landmark net and the 128-D face descriptor net.

The npm package ships TensorFlow.js weights (uint8-quantized: value = byte * scale + min,
per the weights manifest) and the TypeScript that defines each net; this script lays the
same layers out as an ONNX graph (NCHW, filters HWIO -> OIHW). It reads only the package
folder given; it downloads nothing.

usage: faceapi_onnx.py <package/model dir> <out dir>
"""

import json
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def load_weights(model_dir, name):
    manifest = json.load(open(f"{model_dir}/{name}-weights_manifest.json"))
    weights = {}
    for group in manifest:
        data = b"".join(open(f"{model_dir}/{p}", "rb").read() for p in group["paths"])
        offset = 0
        for entry in group["weights"]:
            count = int(np.prod(entry["shape"])) if entry["shape"] else 1
            quant = entry.get("quantization")
            if quant:
                if quant["dtype"] != "uint8":
                    raise SystemExit(f"unexpected quantization {quant['dtype']}")
                raw = np.frombuffer(data, np.uint8, count, offset).astype(np.float32)
                values = raw * np.float32(quant["scale"]) + np.float32(quant["min"])
                offset += count
            else:
                values = np.frombuffer(data, np.float32, count, offset)
                offset += 4 * count
            weights[entry["name"]] = values.reshape(entry["shape"]).astype(np.float32)
        if offset != len(data):
            raise SystemExit(f"{name}: {len(data) - offset} bytes left over")
    return weights


class Graph:
    def __init__(self):
        self.nodes, self.initializers, self.count = [], [], 0

    def name(self, prefix):
        self.count += 1
        return f"{prefix}_{self.count}"

    def const(self, array, dtype=np.float32):
        n = self.name("const")
        self.initializers.append(
            numpy_helper.from_array(np.ascontiguousarray(np.asarray(array, dtype)), n)
        )
        return n

    def op(self, kind, inputs, output=None, **attrs):
        out = output or self.name(kind.lower())
        self.nodes.append(helper.make_node(kind, inputs, [out], **attrs))
        return out

    def conv(self, x, filters_hwio, bias, stride, pads, group=1):
        # Regular filters are HWIO; depthwise ones HWC1 (one filter per input channel).
        w = filters_hwio.transpose(2, 3, 0, 1) if group > 1 else filters_hwio.transpose(3, 2, 0, 1)
        inputs = [x, self.const(w)]
        if bias is not None:
            inputs.append(self.const(bias))
        return self.op("Conv", inputs, strides=[stride, stride], pads=pads, group=group)

    def model(self, name, input_shape, output, output_shape):
        graph = helper.make_graph(
            self.nodes,
            name,
            [helper.make_tensor_value_info("input", TensorProto.FLOAT, input_shape)],
            [helper.make_tensor_value_info(output, TensorProto.FLOAT, output_shape)],
            self.initializers,
        )
        m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
        m.ir_version = 8
        onnx.checker.check_model(m)
        return m


def same_pads(kernel, stride, size):
    """TensorFlow's 'same' padding as explicit ONNX pads (the extra row/column at the end)."""
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel - size, 0)
    before = total // 2
    return [before, before, total - before, total - before]


def landmark_net(w):
    """face_landmark_68: four dense blocks of depthwise-separable convolutions on a
    112x112 input, 7x7 average pool, fully connected to 68 (x, y) pairs in 0..1."""
    g = Graph()
    x, size = "input", 112
    for block, channels_in in [("dense0", 3), ("dense1", 32), ("dense2", 64), ("dense3", 128)]:
        p = f"{block}/conv0"
        if block == "dense0":
            out1 = g.conv(x, w[f"{p}/filters"], w[f"{p}/bias"], 2, same_pads(3, 2, size))
        else:
            dw = w[f"{p}/depthwise_filter"]
            depth = g.conv(x, dw, None, 2, same_pads(3, 2, size), group=dw.shape[2])
            out1 = g.conv(depth, w[f"{p}/pointwise_filter"], w[f"{p}/bias"], 1, [0, 0, 0, 0])
        size = -(-size // 2)
        out1 = g.op("Relu", [out1])
        total = out1
        previous = [out1]
        for k in (1, 2, 3):
            p = f"{block}/conv{k}"
            inp = previous[0] if k == 1 else g.op("Relu", [total])
            dw = w[f"{p}/depthwise_filter"]
            depth = g.conv(inp, dw, None, 1, same_pads(3, 1, size), group=dw.shape[2])
            outk = g.conv(depth, w[f"{p}/pointwise_filter"], w[f"{p}/bias"], 1, [0, 0, 0, 0])
            total = g.op("Add", [total, outk])
        x = g.op("Relu", [total])
    x = g.op("AveragePool", [x], kernel_shape=[7, 7], strides=[2, 2])
    x = g.op("Flatten", [x])
    x = g.op("MatMul", [x, g.const(w["fc/weights"])])
    g.op("Add", [x, g.const(w["fc/bias"])], output="landmarks")
    return g.model("face_landmark_68", [1, 3, 112, 112], "landmarks", [1, 136])


def recognition_net(w):
    """face_recognition: a ResNet-34-like net (dlib's) on a 150x150 input, 128-D output."""
    g = Graph()

    def layer(x, p, stride, relu, size, valid):
        f = w[f"{p}/conv/filters"]
        k = f.shape[0]
        pads = [0, 0, 0, 0] if valid else same_pads(k, stride, size)
        y = g.conv(x, f, w[f"{p}/conv/bias"], stride, pads)
        y = g.op("Mul", [y, g.const(w[f"{p}/scale/weights"].reshape(1, -1, 1, 1))])
        y = g.op("Add", [y, g.const(w[f"{p}/scale/biases"].reshape(1, -1, 1, 1))])
        return g.op("Relu", [y]) if relu else y

    def residual(x, p, size):
        y = layer(x, f"{p}/conv1", 1, True, size, False)
        y = layer(y, f"{p}/conv2", 1, False, size, False)
        return g.op("Relu", [g.op("Add", [y, x])])

    def residual_down(x, p, channels, size):
        y = layer(x, f"{p}/conv1", 2, True, size, True)
        out_size = (size - 3) // 2 + 1
        y = layer(y, f"{p}/conv2", 1, False, out_size, False)
        pooled = g.op("AveragePool", [x], kernel_shape=[2, 2], strides=[2, 2])
        pooled_size = size // 2
        if pooled_size != out_size:
            extra = pooled_size - out_size
            y = g.op("Pad", [y, g.const([0, 0, 0, 0, 0, 0, extra, extra], np.int64)])
        out_channels = w[f"{p}/conv1/conv/filters"].shape[3]
        if out_channels != channels:
            pad = out_channels - channels
            pooled = g.op("Pad", [pooled, g.const([0, 0, 0, 0, 0, pad, 0, 0], np.int64)])
        return g.op("Relu", [g.op("Add", [pooled, y])]), out_channels, pooled_size

    x = layer("input", "conv32_down", 2, True, 150, True)
    size = (150 - 7) // 2 + 1
    x = g.op("MaxPool", [x], kernel_shape=[3, 3], strides=[2, 2])
    size = (size - 3) // 2 + 1
    channels = 32
    for p in ["conv32_1", "conv32_2", "conv32_3"]:
        x = residual(x, p, size)
    for down, blocks in [
        ("conv64_down", ["conv64_1", "conv64_2", "conv64_3"]),
        ("conv128_down", ["conv128_1", "conv128_2"]),
        ("conv256_down", ["conv256_1", "conv256_2"]),
        ("conv256_down_out", []),
    ]:
        x, channels, size = residual_down(x, down, channels, size)
        for p in blocks:
            x = residual(x, p, size)
    x = g.op("Flatten", [g.op("GlobalAveragePool", [x])])
    g.op("MatMul", [x, g.const(w["fc"])], output="descriptor")
    return g.model("face_recognition", [1, 3, 150, 150], "descriptor", [1, 128])


DETECTOR_INPUT = 416


def pool_same_pads(size):
    """TensorFlow's 'same' 2x2 max pool with stride 2 (the extra column at the end)."""
    return same_pads(2, 2, size)


def detector_net(w):
    """tiny_face_detector: a Tiny-YOLOv2 with depthwise-separable convolutions on a
    416x416 input; 13x13 cells x 5 anchors x (x, y, w, h, score), before the sigmoid and
    exp that decoding applies."""
    g = Graph()

    def leaky(x):
        return g.op("LeakyRelu", [x], alpha=0.1)

    size = DETECTOR_INPUT
    x = g.conv("input", w["conv0/filters"], w["conv0/bias"], 1, [0, 0, 0, 0])
    size -= 2
    x = leaky(x)
    for k in range(1, 6):
        x = g.op("MaxPool", [x], kernel_shape=[2, 2], strides=[2, 2], pads=pool_same_pads(size))
        size = -(-size // 2)
        p = f"conv{k}"
        dw = w[f"{p}/depthwise_filter"]
        x = g.conv(x, dw, None, 1, [1, 1, 1, 1], group=dw.shape[2])
        x = g.conv(x, w[f"{p}/pointwise_filter"], w[f"{p}/bias"], 1, [0, 0, 0, 0])
        x = leaky(x)
    # 2x2 max pool, stride 1, 'same': one extra row and column at the end.
    x = g.op("MaxPool", [x], kernel_shape=[2, 2], strides=[1, 1], pads=[0, 0, 1, 1])
    g.op(
        "Conv",
        [x, g.const(w["conv8/filters"].transpose(3, 2, 0, 1)), g.const(w["conv8/bias"])],
        output="boxes",
    )
    cells = size
    return g.model("tiny_face_detector", [1, 3, DETECTOR_INPUT, DETECTOR_INPUT], "boxes",
                   [1, 25, cells, cells])


def main():
    model_dir, out_dir = sys.argv[1], sys.argv[2]
    onnx.save(detector_net(load_weights(model_dir, "tiny_face_detector_model")),
              f"{out_dir}/face_detector.onnx")
    onnx.save(landmark_net(load_weights(model_dir, "face_landmark_68_model")),
              f"{out_dir}/face_landmark_68.onnx")
    onnx.save(recognition_net(load_weights(model_dir, "face_recognition_model")),
              f"{out_dir}/face_recognition.onnx")


if __name__ == "__main__":
    main()
