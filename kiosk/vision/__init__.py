"""Masked-face recognition on ONNX: YuNet detection, quality gates, alignment, AIZOO mask check, SFace embedding, matching.

The rest of the kiosk uses `FacePipeline` (one frame → `FaceObservation`; enrolment photos →
`Template`s), `FrameAnalyser` (camera frames, skipping unchanged ones) and `Gallery` (1:N and 1:1).
"""

from kiosk.vision.config import VisionConfig
from kiosk.vision.frames import FrameAnalyser
from kiosk.vision.gallery import Gallery, Match, Template
from kiosk.vision.pipeline import EnrolmentError, FaceObservation, FacePipeline, VisionUnavailable

__all__ = [
    "EnrolmentError",
    "FaceObservation",
    "FacePipeline",
    "FrameAnalyser",
    "Gallery",
    "Match",
    "Template",
    "VisionConfig",
    "VisionUnavailable",
]
