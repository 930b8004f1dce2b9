"""YuNet face detection: boxes, scores and 5 landmarks from a BGR image of any size.

Decoding follows MODELS.md §1: one anchor per cell at strides 8, 16 and 32, score = sqrt(cls · obj).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from kiosk.vision.runtime import ort

Box = tuple[float, float, float, float]
"""(x, y, width, height) in pixels."""

STRIDES = (8, 16, 32)
GRID_PX = STRIDES[-1]
NMS_IOU = 0.3
COARSE_SCORE_FACTOR = 0.5
"""The first, coarse look keeps candidates from half the score threshold; the second look applies the threshold itself."""
REFINE_CONTEXT = 2.0
"""The second look's crop: this many times the candidate box's longer side, centred on it."""
REFINE_FACE_PX = 192
"""Faces larger than this (longer box side, pixels) are scaled down to it for the second look: landmarks need no more."""
MIN_REFINE_IOU = 0.3
"""The second look's face must overlap the candidate by this much (IoU) to stand for it."""


@dataclass(frozen=True)
class DetectedFace:
    """One face: `box` is (x, y, width, height) in pixels; `landmarks` is 5×2 (right eye, left eye, nose, right and left mouth corner)."""

    box: Box
    landmarks: np.ndarray
    score: float

    @property
    def size_px(self) -> float:
        return min(self.box[2], self.box[3])


class FaceDetector:
    """Runs YuNet on BGR frames of any size.

    Frames larger than `max_side_px` are scaled down to it: that is the resolution the landmarks come
    from. When that is still larger than `coarse_side_px`, faces are first found on a copy scaled to
    `coarse_side_px` (a quarter of the pixels at 640 → 320), each with a lower score bar, and then
    detected again on a crop around it at that resolution, scaled further only where the face is
    larger than `REFINE_FACE_PX`. The second look sets the box, landmarks and score, so alignment is as
    precise as detecting the whole frame, for about half the cost (README, "Vision"). When no face
    survives the second look, the whole frame is searched at full resolution after all: the coarse
    look misses some masked faces that it would find.
    """

    def __init__(
        self,
        session: ort.InferenceSession,
        score_threshold: float = 0.5,
        max_side_px: int = 640,
        coarse_side_px: int = 320,
    ) -> None:
        self._session = session
        self._input = session.get_inputs()[0].name
        self._outputs = [f"{kind}_{stride}" for stride in STRIDES for kind in ("cls", "obj", "bbox", "kps")]
        self.score_threshold = score_threshold
        self.max_side_px = max_side_px
        self.coarse_side_px = coarse_side_px

    def detect(self, image_bgr: np.ndarray, score_threshold: float | None = None) -> list[DetectedFace]:
        """Faces in `image_bgr` (H×W×3 uint8), best score first; `score_threshold` overrides the detector's bar."""
        bar = self.score_threshold if score_threshold is None else score_threshold
        longest = max(image_bgr.shape[:2])
        scale = min(1.0, self.max_side_px / longest)
        if longest * scale <= self.coarse_side_px:
            return self._detect_at(image_bgr, scale, bar)
        candidates = self._detect_at(image_bgr, self.coarse_side_px / longest, COARSE_SCORE_FACTOR * bar)
        refined = [face for face in (self._refine(image_bgr, candidate, scale, bar) for candidate in candidates) if face]
        if not refined:  # the coarse look misses some faces (masked ones most): look at the whole frame
            return self._detect_at(image_bgr, scale, bar)
        return sorted(refined, key=lambda face: -face.score)

    def _refine(self, image_bgr: np.ndarray, candidate: DetectedFace, scale: float, bar: float) -> DetectedFace | None:
        """`candidate` detected again on a crop around it; None when the second look finds no face there."""
        x, y, width, height = candidate.box
        half = REFINE_CONTEXT * max(width, height) / 2
        crop_scale = min(scale, REFINE_FACE_PX / max(width, height))
        grid = GRID_PX / crop_scale  # crop corners on the model's coarsest grid, as the whole frame would place it
        left, top = (max(0, int((centre - half) // grid * grid)) for centre in (x + width / 2, y + height / 2))
        right = min(image_bgr.shape[1], int(x + width / 2 + half) + 1)
        bottom = min(image_bgr.shape[0], int(y + height / 2 + half) + 1)
        offset = np.array([left, top], dtype=np.float32)
        faces = [
            DetectedFace((f.box[0] + left, f.box[1] + top, f.box[2], f.box[3]), f.landmarks + offset, f.score)
            for f in self._detect_at(image_bgr[top:bottom, left:right], crop_scale, bar)
        ]
        overlaps = [(box_iou(face.box, candidate.box), face) for face in faces]
        best = max(overlaps, key=lambda pair: pair[0], default=None)
        return best[1] if best is not None and best[0] >= MIN_REFINE_IOU else None

    def _detect_at(self, image_bgr: np.ndarray, scale: float, score_threshold: float) -> list[DetectedFace]:
        """Faces found in `image_bgr` resized by `scale`, in `image_bgr`'s pixels."""
        small = image_bgr if scale == 1.0 else cv2.resize(image_bgr, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        blob = to_blob(small)
        outputs = dict(zip(self._outputs, self._session.run(self._outputs, {self._input: blob})))
        height, width = blob.shape[2:]
        boxes, landmarks, scores = decode(outputs, width, height, score_threshold)
        if len(scores) == 0:
            return []
        picked = cv2.dnn.NMSBoxes(boxes.tolist(), scores.tolist(), score_threshold, NMS_IOU)
        return [
            DetectedFace(tuple(float(v) for v in boxes[i] / scale), landmarks[i] / scale, float(scores[i]))
            for i in np.asarray(picked).reshape(-1)
        ]


def box_iou(a: Box, b: Box) -> float:
    """Intersection over union of two (x, y, width, height) boxes."""
    width = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    height = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    inter = max(width, 0.0) * max(height, 0.0)
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union > 0 else 0.0


def to_blob(image_bgr: np.ndarray) -> np.ndarray:
    """NCHW float32 BGR 0..255, zero-padded at the bottom and right to multiples of 32."""
    height, width = image_bgr.shape[:2]
    padded_h, padded_w = -(-height // 32) * 32, -(-width // 32) * 32
    blob = np.zeros((1, 3, padded_h, padded_w), dtype=np.float32)
    blob[0, :, :height, :width] = image_bgr.transpose(2, 0, 1)
    return blob


def decode(
    outputs: dict[str, np.ndarray], width: int, height: int, score_threshold: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The candidate boxes (N×4 x, y, w, h), landmarks (N×5×2) and scores (N) at or above the threshold, before NMS.

    Only the cells that pass are decoded: a frame has thousands of cells and a face a few dozen.
    """
    all_boxes, all_landmarks, all_scores = [], [], []
    for stride in STRIDES:
        columns = width // stride
        cls = np.clip(outputs[f"cls_{stride}"][0, :, 0], 0, 1)
        obj = np.clip(outputs[f"obj_{stride}"][0, :, 0], 0, 1)
        scores = np.sqrt(cls * obj)
        cells = np.flatnonzero(scores >= score_threshold)
        grid = np.stack([cells % columns, cells // columns], axis=1).astype(np.float32)
        bbox = outputs[f"bbox_{stride}"][0][cells]
        kps = outputs[f"kps_{stride}"][0][cells].reshape(len(cells), 5, 2)
        centre = (grid + bbox[:, :2]) * stride
        size = np.exp(bbox[:, 2:4]) * stride
        all_boxes.append(np.concatenate([centre - size / 2, size], axis=1))
        all_landmarks.append((grid[:, None, :] + kps) * stride)
        all_scores.append(scores[cells])
    return np.concatenate(all_boxes), np.concatenate(all_landmarks), np.concatenate(all_scores)
