"""The camera-frame path: analyse a frame only when it differs from the last one analysed."""

from __future__ import annotations

import cv2
import numpy as np

from hardware.camera import Frame
from kiosk.vision.pipeline import FaceObservation, FacePipeline

THUMBNAIL_SIZE = (80, 60)


class FrameAnalyser:
    """Wraps a FacePipeline for a camera stream; `skipped` counts frames answered from the previous result."""

    def __init__(self, pipeline: FacePipeline, unchanged_level: float) -> None:
        self._pipeline = pipeline
        self._unchanged_level = unchanged_level
        self._thumbnail: np.ndarray | None = None
        self._last: FaceObservation | None = None
        self.skipped = 0

    def analyse(self, frame: Frame) -> FaceObservation | None:
        """The best face in `frame`; a frame whose mean grey-level change is below the level reuses the last answer."""
        thumbnail = thumbnail_of(frame.image)
        if self._thumbnail is not None and mean_change(thumbnail, self._thumbnail) < self._unchanged_level:
            self.skipped += 1
            return self._last
        self._thumbnail = thumbnail
        self._last = self._pipeline.analyse(frame.image)
        return self._last


def thumbnail_of(image_bgr: np.ndarray) -> np.ndarray:
    grey = cv2.cvtColor(image_bgr, cv2.COLOR_BGR2GRAY)
    return cv2.resize(grey, THUMBNAIL_SIZE, interpolation=cv2.INTER_AREA).astype(np.int16)


def mean_change(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a - b).mean())
