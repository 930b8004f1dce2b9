"""The derivation steps: exact on small graphs, and byte-identical to the shared derived files on the real ones."""

import hashlib

import numpy as np
import onnx
import onnxruntime as ort
import pytest

from kiosk import models
from kiosk.models.derive import DerivationError, derive

from .onnx_graphs import fixed_size_head, quantized_graph


def _session(model_bytes: bytes) -> ort.InferenceSession:
    return ort.InferenceSession(model_bytes, providers=["CPUExecutionProvider"])


@pytest.mark.parametrize("block_size", [2, 3])
def test_folded_dequantize_computes_what_onnxruntime_computes(block_size):
    source = quantized_graph(block_size, stale_inputs=False)
    derived = derive(source, ("fold-dequantize",))
    x = np.random.default_rng(0).normal(size=(1, 1, 2, 4)).astype(np.float32)
    expected = _session(source).run(["y", "w"], {"x": x})
    got = _session(derived).run(["y", "w"], {"x": x})
    assert all(np.array_equal(a, b) for a, b in zip(expected, got))
    model = onnx.load_from_string(derived)
    assert [node.op_type for node in model.graph.node] == ["Add"]
    assert [opset.version for opset in model.opset_import] == [13]
    assert {initializer.name for initializer in model.graph.initializer} == {"w"}


def test_stale_inputs_are_removed_so_onnxruntime_needs_only_the_real_one():
    source = quantized_graph()
    x = np.ones((1, 1, 2, 4), dtype=np.float32)
    with pytest.raises(ValueError, match="old_weight"):
        _session(source).run(["y"], {"x": x})
    derived = derive(source, ("remove-stale-inputs",))
    assert [value.name for value in onnx.load_from_string(derived).graph.input] == ["x"]
    assert _session(derived).run(["y"], {"x": x})[0].shape == (1, 1, 2, 4)


def test_dynamic_input_gives_the_same_outputs_at_the_fixed_size_and_runs_at_others():
    source = fixed_size_head(8, 16)
    derived = derive(source, ("dynamic-input",))
    x = np.random.default_rng(1).uniform(0, 255, (1, 3, 8, 16)).astype(np.float32)
    assert np.array_equal(_session(source).run(None, {"input": x})[0], _session(derived).run(None, {"input": x})[0])
    assert _session(derived).run(None, {"input": np.zeros((1, 3, 32, 64), np.float32)})[0].shape == (1, 2048, 3)


def test_derivation_is_deterministic_and_refuses_unknown_steps():
    assert derive(quantized_graph(), ("remove-stale-inputs", "fold-dequantize")) == derive(
        quantized_graph(), ("remove-stale-inputs", "fold-dequantize")
    )
    with pytest.raises(DerivationError, match="unknown derivation step.*'?fold'?.*expected: remove-stale-inputs"):
        derive(quantized_graph(), ("fold",))


def test_real_sface_int8bq_folds_to_the_default_sface_byte_for_byte(shared_dir):
    manifest = models.load_manifest()
    source = models.locate(manifest["sface-int8bq"], shared_dir / "models").read_bytes()
    derived = derive(source, manifest["sface"].sources[0].steps)
    assert hashlib.sha256(derived).hexdigest() == manifest["sface"].sha256


def test_real_yunet_2023mar_derivation_has_the_pinned_sha256_and_the_published_outputs(shared_dir):
    cv2 = pytest.importorskip("cv2")
    manifest = models.load_manifest()
    published = models.locate(manifest["yunet-2023mar-int8bq"], shared_dir / "models")
    derived = derive(published.read_bytes(), manifest["yunet"].sources[0].steps)
    assert hashlib.sha256(derived).hexdigest() == manifest["yunet"].sha256
    # onnxruntime 1.32 refuses the published file (a per-tensor bias declares a block size); OpenCV 5 runs both
    try:
        reference = cv2.dnn.readNetFromONNX(str(published))
    except cv2.error:
        pytest.skip(f"OpenCV {cv2.__version__} cannot load the opset-21 published file (OpenCV 5 can)")
    x = np.random.default_rng(2).uniform(0, 255, (1, 3, 640, 640)).astype(np.float32)
    names = [f"{kind}_{stride}" for stride in (8, 16, 32) for kind in ("cls", "obj", "bbox", "kps")]
    reference.setInput(x)
    expected = reference.forward(names)
    got = _session(derived).run(names, {"input": x})
    print(f"largest difference, published (OpenCV) vs derived (onnxruntime): {max(np.abs(a - b).max() for a, b in zip(expected, got)):.2e}")
    assert all(np.allclose(a, b, atol=1e-4) for a, b in zip(expected, got))
