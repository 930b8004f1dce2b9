"""The plain baselines that `kiosk eval --baseline opencv` runs beside the kiosk on the same images.

Faces: OpenCV's own pipeline on the kiosk's model files, as a user of the library would write it:
`cv2.FaceDetectorYN` (the same score bar as the kiosk's evaluation, NMS 0.3), the face nearest the
image centre, `cv2.FaceRecognizerSF.alignCrop` and `.feature`, and `.match` with the cosine distance.
Masks: the AIZOO mask detector alone on the whole (padded) image in float, as MODELS.md §4 uses it:
every anchor decoded, confidence 0.5, NMS 0.4, the largest box's class decides (`MaskClassifier.largest_face`).
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import onnxruntime as ort

from kiosk.vision.mask import MaskClassifier
from kiosk.vision.pipeline import VisionUnavailable

NMS_IOU = 0.3


def _opencv_error(model: str, path: Path, err: cv2.error) -> VisionUnavailable:
    reason = str(err).strip().splitlines()[-1] if str(err).strip() else "no reason given"
    return VisionUnavailable(model, f"OpenCV {cv2.__version__} cannot load {model} file {path}: {reason} (the opencv baseline needs a model file OpenCV reads)")


class OpenCVFaces:
    """Detect, align and embed one face per image with OpenCV's face API."""

    def __init__(self, yunet_path: Path, sface_path: Path, score_threshold: float) -> None:
        cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)  # OpenCV 5 warns about backends on every load
        try:
            self._detector = cv2.FaceDetectorYN.create(str(yunet_path), "", (320, 320), score_threshold, NMS_IOU, 5000)
        except cv2.error as err:
            raise _opencv_error("yunet", yunet_path, err) from err
        try:
            self._recognizer = cv2.FaceRecognizerSF.create(str(sface_path), "")
        except cv2.error as err:
            raise _opencv_error("sface", sface_path, err) from err

    def embed(self, image_bgr: np.ndarray) -> np.ndarray | None:
        """The SFace feature of the face nearest the image centre, or None when no face is found."""
        height, width = image_bgr.shape[:2]
        self._detector.setInputSize((width, height))
        _, faces = self._detector.detect(image_bgr)
        if faces is None or len(faces) == 0:
            return None
        centres = faces[:, :2] + faces[:, 2:4] / 2
        face = faces[int(np.argmin(np.linalg.norm(centres - [width / 2, height / 2], axis=1)))]
        return self._recognizer.feature(self._recognizer.alignCrop(image_bgr, face)).copy()

    def match(self, first: np.ndarray, second: np.ndarray) -> float:
        return float(self._recognizer.match(first, second, cv2.FaceRecognizerSF_FR_COSINE))


class MaskDetectorAlone:
    """AIZOO on the whole image resized to 260×260, in float and without the kiosk's face box: the largest face's class."""

    def __init__(self, mask_path: Path) -> None:
        try:
            session = ort.InferenceSession(str(mask_path), providers=["CPUExecutionProvider"])
        except (ort.capi.onnxruntime_pybind11_state.Fail, ort.capi.onnxruntime_pybind11_state.InvalidProtobuf) as err:
            raise VisionUnavailable("mask", f"onnxruntime cannot load mask file {mask_path}: {err}") from err
        self._classifier = MaskClassifier(session)

    def classify(self, image_bgr: np.ndarray) -> tuple[bool, float] | None:
        """(masked, mask probability) of the largest face, or None when the detector finds none."""
        found = self._classifier.largest_face(image_bgr)
        return None if found is None else (found[1].masked, found[1].score)
