import json

import cv2
import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper

from kiosk import models
from kiosk.models import quantise
from kiosk.models.optimise import optimised_model
from kiosk.models.quantise import Int8Ranges, RangesError, int8_model, load_ranges, measure_ranges, quantized_tensors, save_ranges
from kiosk.vision.cpu import cpu_summary, describe


def conv_graph() -> bytes:
    """x → Conv → Relu → MaxPool → Conv → Sigmoid: the shape of an SSD head, small."""
    rng = np.random.default_rng(1)
    first = rng.standard_normal((8, 3, 3, 3)).astype(np.float32) * 0.3
    second = rng.standard_normal((4, 8, 1, 1)).astype(np.float32) * 0.3
    nodes = [
        helper.make_node("Conv", ["x", "w1"], ["c1"], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c1"], ["r1"]),
        helper.make_node("MaxPool", ["r1"], ["p1"], kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Conv", ["p1", "w2"], ["logits"]),
        helper.make_node("Sigmoid", ["logits"], ["y"]),
    ]
    graph = helper.make_graph(
        nodes, "head",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 16, 16])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4, 8, 8])],
        [numpy_helper.from_array(first, "w1"), numpy_helper.from_array(second, "w2")],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]).SerializeToString()


def inputs(count: int) -> list[np.ndarray]:
    rng = np.random.default_rng(2)
    return [rng.random((1, 3, 16, 16), dtype=np.float32) for _ in range(count)]


def run(model: bytes, x: np.ndarray) -> np.ndarray:
    return ort.InferenceSession(model, providers=["CPUExecutionProvider"]).run(None, {"x": x})[0]


def test_the_quantized_tensors_are_the_activations_around_convolutions_relus_and_pools():
    assert quantized_tensors(onnx.load_from_string(conv_graph())) == {"x", "c1", "r1", "p1", "logits"}


def test_measured_ranges_are_the_min_and_max_over_the_inputs():
    data = inputs(5)
    ranges = measure_ranges(conv_graph(), data)
    assert set(ranges) == {"x", "c1", "r1", "p1", "logits"}
    assert ranges["x"] == pytest.approx((min(float(d.min()) for d in data), max(float(d.max()) for d in data)))
    assert ranges["r1"][0] == 0.0 and ranges["r1"][1] == pytest.approx(ranges["c1"][1])


def test_the_int8_model_quantizes_the_convolutions_and_keeps_the_sigmoid_float():
    model = conv_graph()
    quantized = int8_model(model, Int8Ranges("head", "sha", "test", measure_ranges(model, inputs(20))))
    ops = [node.op_type for node in onnx.load_from_string(quantized).graph.node]
    assert "QuantizeLinear" in ops and "DequantizeLinear" in ops
    assert ops[-1] == "Sigmoid"


def test_the_int8_model_computes_the_same_function_and_this_cpu_s_difference_is_reported(record_property, capsys):
    """How close int8 comes depends on the CPU: with VNNI a u8×s8 product sum is exact, with AVX2 alone pairs of
    products saturate at 16 bits (0.0218 on an AVX2 EPYC, 0.0039 on one with VNNI). The bar only catches a wrong model."""
    model, data = conv_graph(), inputs(20)
    quantized = int8_model(model, Int8Ranges("head", "sha", "test", measure_ranges(model, data)))
    difference = max(float(np.abs(run(quantized, x) - run(model, x)).max()) for x in data[:5])
    record_property("cpu", describe(cpu_summary()))
    record_property("int8_max_difference", round(difference, 4))
    with capsys.disabled():
        print(f"\n{describe(cpu_summary())}: int8 against float on a small conv head: max difference {difference:.4f}")
    assert difference < 0.1


def test_the_stored_ranges_are_what_the_quantizer_uses():
    """Ranges twice as wide give coarser steps, so a different model: proof they are not re-measured at load."""
    model, data = conv_graph(), inputs(20)
    measured = measure_ranges(model, data)
    widened = {name: (2 * low, 2 * high) for name, (low, high) in measured.items()}
    as_measured = int8_model(model, Int8Ranges("head", "sha", "test", measured))
    as_widened = int8_model(model, Int8Ranges("head", "sha", "test", widened))
    assert as_measured == int8_model(model, Int8Ranges("head", "sha", "test", dict(measured)))
    assert as_widened != as_measured


def test_a_tensor_without_a_range_is_refused_by_name():
    model = conv_graph()
    ranges = measure_ranges(model, inputs(3))
    del ranges["p1"]
    with pytest.raises(RangesError, match=r"no range for 1 tensors \(p1\)"):
        int8_model(model, Int8Ranges("head", "sha", "test", ranges))


def test_ranges_round_trip_and_are_refused_for_another_model(tmp_path, monkeypatch):
    monkeypatch.setattr(quantise, "RANGES_DIR", tmp_path)
    path = save_ranges(Int8Ranges("head", "a" * 64, "five random inputs", {"x": (0.0, 1.0)}))
    assert path == tmp_path / "head_int8_ranges.json"
    assert load_ranges("head", "a" * 64).ranges == {"x": (0.0, 1.0)}
    with pytest.raises(RangesError, match="measured on model sha256 aaaaaaaaaaaa…, but the model is bbbbbbbbbbbb…"):
        load_ranges("head", "b" * 64)


def test_missing_and_malformed_ranges_files_name_the_file_and_the_fix(tmp_path, monkeypatch):
    monkeypatch.setattr(quantise, "RANGES_DIR", tmp_path)
    with pytest.raises(RangesError, match=r"head_int8_ranges.json: missing \(measure them with 'python -m kiosk.models.calibrate_int8'\)"):
        load_ranges("head", "a" * 64)
    (tmp_path / "head_int8_ranges.json").write_text(json.dumps({"model": "head", "ranges": {}}))
    with pytest.raises(RangesError, match="unreadable"):
        load_ranges("head", "a" * 64)


def test_the_shipped_mask_ranges_cover_the_shipped_mask_model(models_dir, mask_model):
    spec = models.load_manifest()["mask"]
    ranges = load_ranges("mask", spec.sha256)
    model = onnx.load_from_string(optimised_model(models.locate(spec, models_dir)))
    assert quantized_tensors(model) <= set(ranges.ranges)


def test_the_mask_model_a_pipeline_with_mask_int8_runs_gives_the_float_verdicts_on_real_faces(shared_dir, models_dir, mask_model, record_property):
    """On this CPU int8 runs only if the load-time check passed; either way the verdicts must be float's."""
    from kiosk.vision import FacePipeline, VisionConfig
    from kiosk.vision.eval_masks import on_canvas

    exact = FacePipeline(VisionConfig(mask_int8=False), models_dir, mask_required=True)
    fast = FacePipeline(VisionConfig(mask_int8=True), models_dir, mask_required=True)
    record_property("cpu", describe(cpu_summary()))
    record_property("int8_in_use", fast.mask_int8_agreement.is_close)
    photos = shared_dir / "faces-dev" / "mask-photos"
    for label in ("with_mask", "without_mask"):
        for path in sorted((photos / label).iterdir())[:8]:
            image = on_canvas(cv2.imread(str(path)))
            face = exact.largest_face(image)
            if face is None:
                continue
            float_verdict = exact.mask_classifier.classify(image, face.box)
            int8_verdict = fast.mask_classifier.classify(image, face.box)
            assert int8_verdict.masked == float_verdict.masked, path.name
            assert int8_verdict.score == pytest.approx(float_verdict.score, abs=0.1), path.name
