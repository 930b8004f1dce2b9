"""Masked-face recognition on ONNX: YuNet detection, quality gates, alignment, AIZOO mask check, SFace embedding, matching.

The rest of the kiosk uses `FacePipeline` (one frame → `FaceObservation`; enrolment photos →
`Template`s), `FrameAnalyser` (camera frames, skipping unchanged ones and following the face from frame
to frame) and `Gallery` (1:N and 1:1).

The names that need OpenCV and onnxruntime load on first use (PEP 562), so that reading the config,
which declares `VisionConfig`, and `kiosk --help` do not load them.
"""

import importlib

from kiosk.vision.config import VisionConfig
from kiosk.vision.gallery import Gallery, Match, Template

_HEAVY = {
    "EnrolmentError": "kiosk.vision.pipeline",
    "FaceObservation": "kiosk.vision.pipeline",
    "FacePipeline": "kiosk.vision.pipeline",
    "VisionUnavailable": "kiosk.vision.pipeline",
    "FrameAnalyser": "kiosk.vision.frames",
}

__all__ = ["Gallery", "Match", "Template", "VisionConfig", *_HEAVY]


def __getattr__(name: str) -> object:
    if name in _HEAVY:
        return getattr(importlib.import_module(_HEAVY[name]), name)
    raise AttributeError(f"module 'kiosk.vision' has no attribute {name!r}")
