"""The camera-frame path: analyse a frame only when it differs from the last one analysed, and follow the face
across frames so its mask verdict is reused (`vision.mask_track_frames`) while recognition runs on every frame."""

from __future__ import annotations

import cv2
import numpy as np

from hardware.camera import Frame
from kiosk.vision.mask import MaskVerdict
from kiosk.vision.pipeline import FaceObservation, FacePipeline
from kiosk.vision.tracking import MaskTrack

THUMBNAIL_SIZE = (80, 60)


class FrameAnalyser:
    """Wraps a FacePipeline for a camera stream.

    `skipped` counts frames answered from the previous result; `masks_reused` counts analysed frames
    whose tracked face kept its mask verdict instead of running the mask model again.
    """

    def __init__(self, pipeline: FacePipeline, unchanged_level: float) -> None:
        self._pipeline = pipeline
        self._unchanged_level = unchanged_level
        self._thumbnail: np.ndarray | None = None
        self._last: FaceObservation | None = None
        self._track = MaskTrack(pipeline.config.mask_track_frames, pipeline.config.track_min_iou)
        self.skipped = 0
        self.masks_reused = 0

    def analyse(self, frame: Frame) -> FaceObservation | None:
        """The best face in `frame`; a frame whose mean grey-level change is below the level reuses the last answer."""
        thumbnail = thumbnail_of(frame.image)
        if self._thumbnail is not None and mean_change(thumbnail, self._thumbnail) < self._unchanged_level:
            self.skipped += 1
            return self._last
        self._thumbnail = thumbnail
        self._last = self._observe(frame.image)
        return self._last

    def _observe(self, image_bgr: np.ndarray) -> FaceObservation | None:
        face = self._pipeline.largest_face(image_bgr)
        if face is None:
            self._track.lose()
            return None
        tracked = self._track.verdict_for(face.box)
        observation = self._pipeline.observe(image_bgr, face, tracked)
        if tracked is not None:
            self.masks_reused += 1
        elif observation.mask_score is not None:
            self._track.start(face.box, MaskVerdict(observation.masked, observation.mask_score))
        return observation


def thumbnail_of(image_bgr: np.ndarray) -> np.ndarray:
    grey = cv2.cvtColor(image_bgr, cv2.COLOR_BGR2GRAY)
    return cv2.resize(grey, THUMBNAIL_SIZE, interpolation=cv2.INTER_AREA).astype(np.int16)


def mean_change(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a - b).mean())
