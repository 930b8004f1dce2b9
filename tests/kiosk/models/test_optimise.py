from pathlib import Path

import cv2
import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper

from kiosk import models
from kiosk.models.optimise import SMALLEST_NORMAL, flush_subnormal_weights, optimised_model, rewrite_prelu_as_batch_norms


def prelu_graph(slope: np.ndarray, scale: np.ndarray) -> onnx.ModelProto:
    """x · scale → PRelu(slope): one channel-wise slope tensor, one channel-wise scale holding the odd values."""
    channels = slope.shape[0]
    graph = helper.make_graph(
        [helper.make_node("Mul", ["x", "scale"], ["scaled"]), helper.make_node("PRelu", ["scaled", "slope"], ["y"], name="act")],
        "prelu",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, channels, 4, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, channels, 4, 4])],
        [numpy_helper.from_array(slope, "slope"), numpy_helper.from_array(scale, "scale")],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])


def run(model: onnx.ModelProto | bytes, x: np.ndarray) -> np.ndarray:
    serialised = model if isinstance(model, bytes) else model.SerializeToString()
    session = ort.InferenceSession(serialised, providers=["CPUExecutionProvider"])
    return session.run(None, {"x": x})[0]


def channel_tensor(values: list[float]) -> np.ndarray:
    return np.array(values, dtype=np.float32).reshape(-1, 1, 1)


@pytest.mark.parametrize(
    ("slopes", "ops"),
    [
        ([0.25, -0.8, 1.0, 0.0], ["BatchNormalization", "BatchNormalization", "Relu", "Add"]),
        ([0.25, 1.1, -2.0, 3.0], ["BatchNormalization", "Relu", "BatchNormalization", "Add"]),
    ],
)
def test_prelu_becomes_scalings_relu_and_add_and_computes_the_same(slopes, ops):
    model = prelu_graph(channel_tensor(slopes), channel_tensor([1, 1, 1, 1]))
    x = np.random.default_rng(0).standard_normal((1, 4, 4, 4)).astype(np.float32)
    expected = run(model, x)
    assert rewrite_prelu_as_batch_norms(model.graph) == 1
    assert [node.op_type for node in model.graph.node] == ["Mul", *ops]
    np.testing.assert_allclose(run(model, x), expected, rtol=1e-6, atol=1e-6)


def test_prelu_without_one_slope_per_channel_is_left_alone():
    model = prelu_graph(np.array([0.25], dtype=np.float32), channel_tensor([1, 1]))
    assert rewrite_prelu_as_batch_norms(model.graph) == 0
    assert [node.op_type for node in model.graph.node] == ["Mul", "PRelu"]


def test_subnormal_weights_become_zero_and_normal_ones_stay():
    scale = channel_tensor([1e-39, -3e-40, SMALLEST_NORMAL, 0.5])
    model = prelu_graph(channel_tensor([0.5, 0.5, 0.5, 0.5]), scale)
    assert flush_subnormal_weights(model.graph) == 2
    flushed = numpy_helper.to_array(next(i for i in model.graph.initializer if i.name == "scale")).reshape(-1)
    assert flushed.tolist() == [0.0, 0.0, float(SMALLEST_NORMAL), 0.5]


@pytest.mark.parametrize("name", ["yunet", "sface", "mask"])
def test_optimised_shipped_models_give_the_original_outputs_on_a_real_face(name, models_dir: Path, shared_dir: Path, request):
    if name == "mask":
        request.getfixturevalue("mask_model")
    spec = models.load_manifest()[name]
    path = models.locate(spec, models_dir)
    photo = cv2.imread(str(shared_dir / "faces-dev" / "lfw-devtest" / "Abdullah_Gul" / "Abdullah_Gul_0013.jpg"))
    height, width = (128, 160) if spec.input.shape[2] == "H" else spec.input.shape[2:]
    image = cv2.resize(photo, (width, height)).transpose(2, 0, 1)[None].astype(np.float32)
    feed = {spec.input.name: image / 255 if name == "mask" else image}
    original = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(None, feed)
    optimised = ort.InferenceSession(optimised_model(path), providers=["CPUExecutionProvider"]).run(None, feed)
    for before, after in zip(original, optimised):
        np.testing.assert_allclose(after, before, rtol=1e-5, atol=1e-5)
