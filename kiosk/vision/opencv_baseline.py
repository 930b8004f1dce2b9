"""Plain OpenCV's face path, as a yardstick for `kiosk bench vision`: what a user gets from OpenCV alone.

`cv2.FaceDetectorYN` runs YuNet on the whole frame and `cv2.FaceRecognizerSF` aligns the best face
(`alignCrop`) and embeds it (`feature`), with the model files the kiosk uses. No quality gates, no
mask check, no second look.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import cv2
import numpy as np

NMS_IOU = 0.3
TOP_K = 5000


class BaselineUnavailable(Exception):
    """This OpenCV cannot run a model file (e.g. an operator set it does not know); the message names the file."""


class OpenCVBaseline:
    def __init__(self, detector_model: Path, recognizer_model: Path, frame_size: tuple[int, int], score_threshold: float) -> None:
        """Both models loaded for frames of `frame_size` (width, height); raises BaselineUnavailable naming the file."""
        with _opencv_warnings_off():
            try:
                self.detector = cv2.FaceDetectorYN.create(str(detector_model), "", frame_size, score_threshold, NMS_IOU, TOP_K)
            except cv2.error as err:
                raise BaselineUnavailable(f"cv2.FaceDetectorYN cannot load {detector_model.name}: {_last_line(err)}") from err
            try:
                self.recognizer = cv2.FaceRecognizerSF.create(str(recognizer_model), "")
            except cv2.error as err:
                raise BaselineUnavailable(f"cv2.FaceRecognizerSF cannot load {recognizer_model.name}: {_last_line(err)}") from err

    def detect(self, frame_bgr: np.ndarray) -> np.ndarray | None:
        """The best-scoring face row (box, 5 landmarks, score: 15 values) or None."""
        _, faces = self.detector.detect(frame_bgr)
        return None if faces is None or len(faces) == 0 else faces[0]

    def embed(self, frame_bgr: np.ndarray, face: np.ndarray) -> np.ndarray:
        """The unit-length 128-d feature of `face` (alignCrop, then feature)."""
        feature = self.recognizer.feature(self.recognizer.alignCrop(frame_bgr, face)).reshape(-1)
        return feature / np.linalg.norm(feature)

    def new_face(self, frame_bgr: np.ndarray) -> np.ndarray | None:
        """Detect, align and embed, as a new face at the kiosk; None when no face is found."""
        face = self.detect(frame_bgr)
        return None if face is None else self.embed(frame_bgr, face)


@contextmanager
def single_thread() -> Iterator[None]:
    """OpenCV's own parallel loops on one thread for the duration (the kiosk's cv2 calls share the setting)."""
    previous = cv2.getNumThreads()
    cv2.setNumThreads(1)
    try:
        yield
    finally:
        cv2.setNumThreads(previous)


@contextmanager
def _opencv_warnings_off() -> Iterator[None]:
    """OpenCV 5's DNN engine warns on stderr at every model load ("Targets are not supported by the new graph
    engine"); that would break `--json` output read by a script that merges the two streams."""
    logging = getattr(cv2, "utils", None) and getattr(cv2.utils, "logging", None)
    if logging is None:
        yield
        return
    previous = logging.getLogLevel()
    logging.setLogLevel(logging.LOG_LEVEL_ERROR)
    try:
        yield
    finally:
        logging.setLogLevel(previous)


def _last_line(err: cv2.error) -> str:
    lines = [line.strip() for line in str(err).splitlines() if line.strip()]
    return lines[-1] if lines else type(err).__name__
