"""Deterministic rewrites that turn a published model file into the one the kiosk runs.

Each step is a pure function of the graph, so the same input file always gives the same bytes, and
the manifest pins the result's sha256. The steps are the ones MODELS.md §3 describes for SFace, and
the same folding plus a dynamic input size for YuNet 2023mar (published with a fixed 640×640 input).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import onnx
from onnx import helper, numpy_helper

FOLDED_OPSET = 13
"""Without DequantizeLinear (opset 21 for block-wise scales) the graphs need only opset 13 operators, so
they also load in older onnxruntime and in OpenCV 4.10's dnn module."""
FOLDED_IR_VERSION = 7


class DerivationError(ValueError):
    """A step cannot be applied to the given graph; the message names the step and the node or tensor."""


def remove_stale_inputs(model: onnx.ModelProto) -> None:
    """Drop graph inputs that are initializers or that no node reads (onnxruntime asks to be fed every declared input)."""
    constants = {initializer.name for initializer in model.graph.initializer}
    read = {name for node in model.graph.node for name in node.input}
    kept = [value for value in model.graph.input if value.name in read and value.name not in constants]
    del model.graph.input[:]
    model.graph.input.extend(kept)


def fold_dequantize(model: onnx.ModelProto) -> None:
    """Replace each DequantizeLinear of constants by its fp32 result ((q − zero point) × scale, per block).

    The results are appended as initializers in node order, initializers no node reads any more are
    dropped, and the opset becomes FOLDED_OPSET.
    """
    graph = model.graph
    constants = {initializer.name: initializer for initializer in graph.initializer}
    kept_nodes, folded = [], []
    for node in graph.node:
        if node.op_type != "DequantizeLinear":
            kept_nodes.append(node)
            continue
        if not all(name in constants for name in node.input):
            raise DerivationError(f"fold-dequantize: node '{node.name}' dequantizes a computed tensor (expected constants only)")
        arrays = [numpy_helper.to_array(constants[name]) for name in node.input]
        folded.append(numpy_helper.from_array(dequantized(node, *arrays), node.output[0]))
    del graph.node[:]
    graph.node.extend(kept_nodes)
    read = {name for node in graph.node for name in node.input}
    kept_constants = [initializer for initializer in graph.initializer if initializer.name in read]
    del graph.initializer[:]
    graph.initializer.extend(kept_constants + folded)
    del model.opset_import[:]
    model.opset_import.append(helper.make_opsetid("", FOLDED_OPSET))
    model.ir_version = FOLDED_IR_VERSION


def dequantized(node: onnx.NodeProto, quantized: np.ndarray, scale: np.ndarray, zero_point: np.ndarray | None = None) -> np.ndarray:
    """What DequantizeLinear computes, with per-tensor, per-axis or block-wise scales and zero points."""
    attributes = {attribute.name: helper.get_attribute_value(attribute) for attribute in node.attribute}
    axis = attributes.get("axis", 1) % max(quantized.ndim, 1)
    block = attributes.get("block_size", 0)
    if zero_point is None:
        zero_point = np.zeros_like(scale, dtype=quantized.dtype)

    def spread(values: np.ndarray) -> np.ndarray:
        if values.ndim == 0 or values.size == 1:
            return values.reshape(())
        if block:
            return np.repeat(values, block, axis=axis).take(range(quantized.shape[axis]), axis=axis)
        shape = [1] * quantized.ndim
        shape[axis] = values.size
        return values.reshape(shape)

    integers = quantized.astype(np.int32) - spread(zero_point).astype(np.int32)
    return (integers.astype(np.float32) * spread(scale).astype(np.float32)).astype(np.float32)


def dynamic_input(model: onnx.ModelProto) -> None:
    """Make the only input's height and width, and each output's anchor count, symbolic (as YuNet 2026may declares them).

    The stored intermediate shapes (value_info) assume the old fixed size, so they are dropped; onnxruntime infers them.
    """
    graph = model.graph
    if len(graph.input) != 1 or len(graph.input[0].type.tensor_type.shape.dim) != 4:
        raise DerivationError(f"dynamic-input: expected one NCHW input, found {[value.name for value in graph.input]}")
    dims = graph.input[0].type.tensor_type.shape.dim
    for dim, name in ((dims[2], "height"), (dims[3], "width")):
        dim.Clear()
        dim.dim_param = name
    for output in graph.output:
        output_dims = output.type.tensor_type.shape.dim
        if len(output_dims) == 3:
            output_dims[1].Clear()
            output_dims[1].dim_param = "anchors"
    del graph.value_info[:]


STEPS: dict[str, Callable[[onnx.ModelProto], None]] = {
    "remove-stale-inputs": remove_stale_inputs,
    "fold-dequantize": fold_dequantize,
    "dynamic-input": dynamic_input,
}


def derive(source: bytes, steps: tuple[str, ...]) -> bytes:
    """`source` (a serialised ONNX model) with `steps` applied in order, serialised again."""
    unknown = [step for step in steps if step not in STEPS]
    if unknown:
        raise DerivationError(f"unknown derivation step(s) {', '.join(unknown)} (expected: {', '.join(STEPS)})")
    model = onnx.load_from_string(source)
    for step in steps:
        STEPS[step](model)
    return model.SerializeToString()
