"""YuNet face detection: boxes, scores and 5 landmarks from a BGR image of any size.

Decoding follows MODELS.md §1: one anchor per cell at strides 8, 16 and 32, score = sqrt(cls · obj).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import onnxruntime as ort

STRIDES = (8, 16, 32)
NMS_IOU = 0.3


@dataclass(frozen=True)
class DetectedFace:
    """One face: `box` is (x, y, width, height) in pixels; `landmarks` is 5×2 (right eye, left eye, nose, right and left mouth corner)."""

    box: tuple[float, float, float, float]
    landmarks: np.ndarray
    score: float

    @property
    def size_px(self) -> float:
        return min(self.box[2], self.box[3])


class FaceDetector:
    """Runs YuNet on whole frames; frames above `max_side_px` are scaled down first and results mapped back."""

    def __init__(self, session: ort.InferenceSession, score_threshold: float = 0.6, max_side_px: int = 640) -> None:
        self._session = session
        self._input = session.get_inputs()[0].name
        self._outputs = [f"{kind}_{stride}" for stride in STRIDES for kind in ("cls", "obj", "bbox", "kps")]
        self.score_threshold = score_threshold
        self.max_side_px = max_side_px

    def detect(self, image_bgr: np.ndarray) -> list[DetectedFace]:
        """Faces in `image_bgr` (H×W×3 uint8), best score first."""
        scale = min(1.0, self.max_side_px / max(image_bgr.shape[:2]))
        small = image_bgr if scale == 1.0 else cv2.resize(image_bgr, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        blob = to_blob(small)
        outputs = dict(zip(self._outputs, self._session.run(self._outputs, {self._input: blob})))
        height, width = blob.shape[2:]
        boxes, landmarks, scores = decode(outputs, width, height)
        keep = scores >= self.score_threshold
        boxes, landmarks, scores = boxes[keep], landmarks[keep], scores[keep]
        if len(scores) == 0:
            return []
        picked = cv2.dnn.NMSBoxes(boxes.tolist(), scores.tolist(), self.score_threshold, NMS_IOU)
        return [
            DetectedFace(tuple(float(v) for v in boxes[i] / scale), landmarks[i] / scale, float(scores[i]))
            for i in np.asarray(picked).reshape(-1)
        ]


def to_blob(image_bgr: np.ndarray) -> np.ndarray:
    """NCHW float32 BGR 0..255, zero-padded at the bottom and right to multiples of 32."""
    height, width = image_bgr.shape[:2]
    padded_h, padded_w = -(-height // 32) * 32, -(-width // 32) * 32
    blob = np.zeros((1, 3, padded_h, padded_w), dtype=np.float32)
    blob[0, :, :height, :width] = image_bgr.transpose(2, 0, 1)
    return blob


def decode(outputs: dict[str, np.ndarray], width: int, height: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All candidate boxes (N×4 x, y, w, h), landmarks (N×5×2) and scores (N) before thresholding and NMS."""
    all_boxes, all_landmarks, all_scores = [], [], []
    for stride in STRIDES:
        columns = width // stride
        cells = (height // stride) * columns
        index = np.arange(cells)
        grid = np.stack([index % columns, index // columns], axis=1).astype(np.float32)
        cls = np.clip(outputs[f"cls_{stride}"][0, :, 0], 0, 1)
        obj = np.clip(outputs[f"obj_{stride}"][0, :, 0], 0, 1)
        bbox = outputs[f"bbox_{stride}"][0]
        kps = outputs[f"kps_{stride}"][0].reshape(cells, 5, 2)
        centre = (grid + bbox[:, :2]) * stride
        size = np.exp(bbox[:, 2:4]) * stride
        all_boxes.append(np.concatenate([centre - size / 2, size], axis=1))
        all_landmarks.append((grid[:, None, :] + kps) * stride)
        all_scores.append(np.sqrt(cls * obj))
    return np.concatenate(all_boxes), np.concatenate(all_landmarks), np.concatenate(all_scores)
