"""Static int8 quantization of a model at load, from activation ranges measured once and kept in the repository.

onnxruntime's static quantization needs the range of every activation it quantizes. Measuring them
needs calibration photos, which cannot ship; the ranges themselves (two numbers per tensor) can. So
`measure_ranges` runs once on calibration inputs (`python -m kiosk.models.calibrate_int8`), `save_ranges`
writes them beside the manifest, and at load `int8_model` hands them to onnxruntime's quantizer as
per-tensor overrides. The quantizer's own calibration pass then sees a single zero input whose ranges
are all overridden, so the result is the model calibrated on the photos, byte for byte.

Quantized: convolutions (weights per output channel, int8; activations uint8), Relu and MaxPool. The
reshapes, sigmoids and concatenations at the outputs stay float, so small class probabilities keep their
resolution (the mask check's second view starts at 0.005; uint8 steps of 1/255 would erase it).
"""

from __future__ import annotations

import json
import logging
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnx

from kiosk.models.manifest import data_dir

RANGES_DIR = data_dir()
QUANTIZED_OPS = ("Conv", "MaxPool", "Relu")


class RangesError(ValueError):
    """A ranges file is missing, malformed, or was measured on another model; the message names the file and the fix."""


@dataclass(frozen=True)
class Int8Ranges:
    """Activation ranges for one model: `model_sha256` names the file they were measured on."""

    model: str
    model_sha256: str
    calibration: str
    ranges: dict[str, tuple[float, float]]


def ranges_path(model: str) -> Path:
    return RANGES_DIR / f"{model}_int8_ranges.json"


def load_ranges(model: str, expected_sha256: str) -> Int8Ranges:
    """The stored ranges for `model`, checked against the sha256 of the model file they must belong to."""
    path = ranges_path(model)
    try:
        data = json.loads(path.read_text())
        loaded = Int8Ranges(
            data["model"], data["model_sha256"], data["calibration"],
            {name: (float(low), float(high)) for name, (low, high) in data["ranges"].items()},
        )
    except FileNotFoundError as err:
        raise RangesError(f"int8 ranges {path}: missing (measure them with 'python -m kiosk.models.calibrate_int8')") from err
    except (ValueError, KeyError, TypeError) as err:
        raise RangesError(f"int8 ranges {path}: unreadable ({err}); expected the JSON that kiosk.models.calibrate_int8 writes") from err
    if loaded.model_sha256 != expected_sha256:
        raise RangesError(
            f"int8 ranges {path}: measured on model sha256 {loaded.model_sha256[:12]}…, but the model is "
            f"{expected_sha256[:12]}…; measure them again with 'python -m kiosk.models.calibrate_int8'"
        )
    return loaded


def save_ranges(ranges: Int8Ranges) -> Path:
    path = ranges_path(ranges.model)
    payload = {
        "model": ranges.model,
        "model_sha256": ranges.model_sha256,
        "calibration": ranges.calibration,
        "ranges": {name: [low, high] for name, (low, high) in sorted(ranges.ranges.items())},
    }
    path.write_text(json.dumps(payload, indent=1) + "\n")
    return path


def quantized_tensors(model: onnx.ModelProto) -> set[str]:
    """The activations the quantizer needs a range for: every non-constant input and output of a quantized op."""
    constants = {initializer.name for initializer in model.graph.initializer}
    return {
        name
        for node in model.graph.node
        if node.op_type in QUANTIZED_OPS
        for name in (*node.input, *node.output)
        if name and name not in constants
    }


def measure_ranges(model_bytes: bytes, inputs: Iterable[np.ndarray]) -> dict[str, tuple[float, float]]:
    """Min and max of each tensor in `quantized_tensors` over `inputs` (arrays for the model's only input)."""
    from onnxruntime.quantization import CalibrationMethod
    from onnxruntime.quantization.calibrate import create_calibrator

    model = onnx.load_from_string(model_bytes)
    with tempfile.TemporaryDirectory(prefix="kiosk-int8-") as folder:
        source = Path(folder) / "model.onnx"
        source.write_bytes(model_bytes)
        calibrator = create_calibrator(
            source, list(QUANTIZED_OPS), augmented_model_path=str(Path(folder) / "augmented.onnx"),
            calibrate_method=CalibrationMethod.MinMax,
        )
        calibrator.collect_data(_Feed(model.graph.input[0].name, inputs))
        measured = calibrator.compute_data()
    wanted = quantized_tensors(model)
    return {
        name: (float(np.min(data.range_value[0])), float(np.max(data.range_value[1])))
        for name, data in measured.data.items()
        if name in wanted
    }


def int8_model(model_bytes: bytes, ranges: Int8Ranges) -> bytes:
    """`model_bytes` with int8 convolutions, quantized with the stored `ranges` (QDQ format, which onnxruntime fuses)."""
    from onnxruntime.quantization import QuantFormat, QuantType, quantize_static

    model = onnx.load_from_string(model_bytes)
    missing = sorted(quantized_tensors(model) - set(ranges.ranges))
    if missing:
        raise RangesError(
            f"int8 ranges {ranges_path(ranges.model)}: no range for {len(missing)} tensors "
            f"({', '.join(missing[:3])}{', …' if len(missing) > 3 else ''}); "
            "measure them again with 'python -m kiosk.models.calibrate_int8'"
        )
    overrides = {name: [{"rmin": np.float32(low), "rmax": np.float32(high)}] for name, (low, high) in ranges.ranges.items()}
    only_input = model.graph.input[0]
    shape = [dim.dim_value or 1 for dim in only_input.type.tensor_type.shape.dim]
    with tempfile.TemporaryDirectory(prefix="kiosk-int8-") as folder, _quantizer_warnings_off():
        output = Path(folder) / "int8.onnx"
        quantize_static(
            model, output, _Feed(only_input.name, [np.zeros(shape, dtype=np.float32)]),
            quant_format=QuantFormat.QDQ, op_types_to_quantize=list(QUANTIZED_OPS), per_channel=True,
            activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
            extra_options={"TensorQuantOverrides": overrides},
        )
        return output.read_bytes()


@contextmanager
def _quantizer_warnings_off() -> Iterator[None]:
    """The quantizer logs, on the root logger, advice to pre-process the model; it does not apply to a model
    whose ranges are given, and it would land in the service log at every start."""
    previous = logging.root.manager.disable
    logging.disable(logging.WARNING)
    try:
        yield
    finally:
        logging.disable(previous)


class _Feed:
    """onnxruntime's CalibrationDataReader protocol over a sequence of arrays for one input."""

    def __init__(self, input_name: str, arrays: Iterable[np.ndarray]) -> None:
        self._input_name = input_name
        self._arrays = iter(arrays)

    def get_next(self) -> dict[str, np.ndarray] | None:
        array = next(self._arrays, None)
        return None if array is None else {self._input_name: array}
