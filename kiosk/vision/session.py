"""Opening an onnxruntime session once per model, with a fixed thread count and one warm-up run."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from kiosk.vision.runtime import ort

from kiosk.models.optimise import optimised_model
from kiosk.models.quantise import Int8Ranges, int8_model


def open_session(
    path: Path, threads: int, warmup_shape: tuple[int, ...], int8_ranges: Int8Ranges | None = None
) -> ort.InferenceSession:
    """A CPU session for the model at `path` (with kiosk.models.optimise's exact rewrites, then int8 convolutions
    when `int8_ranges` are given) using `threads` intra-op threads, warmed up with one zero input.

    The warm-up moves one-time allocation cost out of the first real frame.
    """
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3
    model = optimised_model(path)
    if int8_ranges is not None:
        model = int8_model(model, int8_ranges)
    session = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    session.run(None, {name: np.zeros(warmup_shape, dtype=np.float32)})
    return session
