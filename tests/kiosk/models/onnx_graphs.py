"""Small ONNX graphs for the model tests, shaped like the published YuNet and SFace files."""

from __future__ import annotations

import numpy as np
from onnx import TensorProto, helper, numpy_helper


def quantized_graph(block_size: int = 2, stale_inputs: bool = True) -> bytes:
    """y = x + W and w = W, where W (2×4) is int8 behind a DequantizeLinear with block-wise scales along axis 1.

    With `stale_inputs`, the graph also declares an input no node reads and an input that is an
    initializer, as the published SFace file does (174 of them).
    """
    blocks = -(-4 // block_size)
    initializers = [
        numpy_helper.from_array(np.array([[1, -2, 3, 127], [-128, 5, 0, 7]], dtype=np.int8), "w_quantized"),
        numpy_helper.from_array(np.linspace(0.25, 2.0, 2 * blocks, dtype=np.float32).reshape(2, blocks), "w_scales"),
        numpy_helper.from_array((np.arange(2 * blocks) - 1).astype(np.int8).reshape(2, blocks), "w_zero_point"),
        numpy_helper.from_array(np.array([2, 4], dtype=np.int64), "unused_shape"),
    ]
    nodes = [
        helper.make_node("DequantizeLinear", ["w_quantized", "w_scales", "w_zero_point"], ["w"], name="w_node", axis=1, block_size=block_size),
        helper.make_node("Add", ["x", "w"], ["y"], name="add"),
    ]
    inputs = [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, 2, 4])]
    if stale_inputs:
        inputs.append(helper.make_tensor_value_info("old_weight", TensorProto.FLOAT, [3]))
        inputs.append(helper.make_tensor_value_info("w_scales", TensorProto.FLOAT, [2, blocks]))
    outputs = [
        helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 1, 2, 4]),
        helper.make_tensor_value_info("w", TensorProto.FLOAT, [2, 4]),
    ]
    return _model(nodes, inputs, outputs, initializers)


def fixed_size_head(height: int = 8, width: int = 16) -> bytes:
    """A YuNet-like head: NCHW input of a fixed size, transposed to NHWC and reshaped to [1, cells, 3]."""
    nodes = [
        helper.make_node("Transpose", ["input"], ["nhwc"], name="transpose", perm=[0, 2, 3, 1]),
        helper.make_node("Reshape", ["nhwc", "shape"], ["cls_8"], name="reshape"),
    ]
    inputs = [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, height, width])]
    outputs = [helper.make_tensor_value_info("cls_8", TensorProto.FLOAT, [1, height * width, 3])]
    value_info = [helper.make_tensor_value_info("nhwc", TensorProto.FLOAT, [1, height, width, 3])]
    return _model(nodes, inputs, outputs, [numpy_helper.from_array(np.array([1, -1, 3], dtype=np.int64), "shape")], value_info)


def _model(nodes, inputs, outputs, initializers, value_info=()) -> bytes:
    graph = helper.make_graph(nodes, "tiny", inputs, outputs, initializer=initializers, value_info=list(value_info))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 21)])
    model.ir_version = 10
    return model.SerializeToString()
