"""Mask / no-mask on a face region with the AIZOO SSD (MODELS.md §4).

The SSD looks at the face in two views: a square crop centred on the detector's face box,
`CROP_SCALE` times its size, and the whole frame resized to 260×260 as AIZOO was trained (better for
small or low-resolution faces). In each view the most confident anchor overlapping the face box
decides; the face counts as masked when either view says so. The whole-frame view runs only when the
crop says "no mask" without being sure of it (mask probability at least `SECOND_VIEW_FROM`). On the
development mask photos the crop alone found 92/100 masks, both views 98/100, with 100/100 unmasked
faces right either way; the masks only the second view found had crop probabilities of 0.02–0.41,
while three in four bare faces score below 0.005 and skip the second view (README, "Vision").
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from kiosk.vision.runtime import ort

INPUT_SIZE = 260
CROP_SCALE = 1.6
FEATURE_MAPS = (33, 17, 9, 5, 3)
ANCHOR_SIZES = ((0.04, 0.056), (0.08, 0.11), (0.16, 0.22), (0.32, 0.45), (0.64, 0.72))
ANCHOR_RATIOS = (1.0, 0.62, 0.42)
VARIANCES = (0.1, 0.1, 0.2, 0.2)
MIN_OVERLAP = 0.3
LIKELY_ANCHORS = 64
"""The most confident anchors decoded first; all 5972 only when none of them overlaps the face box."""
SECOND_VIEW_FROM = 0.005
DETECTION_CONFIDENCE = 0.5
DETECTION_NMS_IOU = 0.4


@dataclass(frozen=True)
class MaskVerdict:
    """`score` is the mask probability (Mask / (Mask + NoMask) of the deciding anchor), 0..1."""

    masked: bool
    score: float


def anchors() -> np.ndarray:
    """The 5972 SSD anchors as (cx, cy, w, h), normalised 0..1, in the model's output order."""
    rows = []
    for size, (small, large) in zip(FEATURE_MAPS, ANCHOR_SIZES):
        centres = (np.arange(size) + 0.5) / size
        cy, cx = np.meshgrid(centres, centres, indexing="ij")
        shapes = [(small, small), (large, large)]
        shapes += [(small * np.sqrt(r), small / np.sqrt(r)) for r in ANCHOR_RATIOS[1:]]
        per_cell = [np.stack([cx, cy, np.full_like(cx, w), np.full_like(cy, h)], axis=-1) for w, h in shapes]
        rows.append(np.stack(per_cell, axis=2).reshape(-1, 4))
    return np.concatenate(rows).astype(np.float32)


def decode_boxes(deltas: np.ndarray, priors: np.ndarray) -> np.ndarray:
    """SSD deltas → (x1, y1, x2, y2) normalised boxes."""
    centre = deltas[:, :2] * np.array(VARIANCES[:2]) * priors[:, 2:] + priors[:, :2]
    size = np.exp(deltas[:, 2:] * np.array(VARIANCES[2:])) * priors[:, 2:]
    return np.concatenate([centre - size / 2, centre + size / 2], axis=1)


def iou(boxes: np.ndarray, box: np.ndarray) -> np.ndarray:
    """Intersection over union of each row of `boxes` with `box`, all (x1, y1, x2, y2)."""
    top_left = np.maximum(boxes[:, :2], box[:2])
    bottom_right = np.minimum(boxes[:, 2:], box[2:])
    inter = np.prod(np.clip(bottom_right - top_left, 0, None), axis=1)
    area = np.prod(boxes[:, 2:] - boxes[:, :2], axis=1) + np.prod(box[2:] - box[:2])
    return inter / np.maximum(area - inter, 1e-9)


def face_crop(image_bgr: np.ndarray, box: tuple[float, float, float, float]) -> tuple[np.ndarray, np.ndarray]:
    """The square INPUT_SIZE crop around `box` (grey outside the image) and the face box inside it, normalised."""
    x, y, width, height = box
    side = CROP_SCALE * max(width, height)
    left, top = x + width / 2 - side / 2, y + height / 2 - side / 2
    scale = INPUT_SIZE / side
    matrix = np.array([[scale, 0, -left * scale], [0, scale, -top * scale]])
    crop = cv2.warpAffine(
        image_bgr, matrix, (INPUT_SIZE, INPUT_SIZE), flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT, borderValue=(128, 128, 128),
    )
    face = np.array([x - left, y - top, x - left + width, y - top + height]) / side
    return crop, face


def whole_frame(image_bgr: np.ndarray, box: tuple[float, float, float, float]) -> tuple[np.ndarray, np.ndarray]:
    """The frame resized to INPUT_SIZE×INPUT_SIZE (no letterbox, as AIZOO expects) and the face box in it, normalised."""
    height, width = image_bgr.shape[:2]
    resized = cv2.resize(image_bgr, (INPUT_SIZE, INPUT_SIZE), interpolation=cv2.INTER_LINEAR)
    x, y, box_width, box_height = box
    return resized, np.array([x / width, y / height, (x + box_width) / width, (y + box_height) / height])


def to_input(image_bgr: np.ndarray) -> np.ndarray:
    """An INPUT_SIZE×INPUT_SIZE BGR view as the model's input: NCHW, RGB, 0..1."""
    blob = np.ascontiguousarray(image_bgr[:, :, ::-1].transpose(2, 0, 1)[None], dtype=np.float32)
    blob *= 1.0 / 255.0
    return blob


class MaskClassifier:
    def __init__(self, session: ort.InferenceSession, threshold: float = 0.5) -> None:
        self._session = session
        self._input = session.get_inputs()[0].name
        self._priors = anchors()
        self.threshold = threshold

    def classify(self, image_bgr: np.ndarray, box: tuple[float, float, float, float]) -> MaskVerdict:
        """Whether the face in `box` (x, y, w, h pixels) wears a mask: masked when either view says so."""
        close_up = self._view(*face_crop(image_bgr, box))
        if close_up.masked or close_up.score < SECOND_VIEW_FROM:
            return close_up
        return max(close_up, self._view(*whole_frame(image_bgr, box)), key=lambda v: v.score)

    def largest_face(self, image_bgr: np.ndarray) -> tuple[tuple[float, float, float, float], MaskVerdict] | None:
        """The model as a detector on the whole frame (MODELS.md §4: every anchor, confidence 0.5, NMS 0.4):
        the largest face's box (x, y, w, h pixels) and its verdict, or None when it finds no face."""
        deltas, scores = (output[0] for output in self._session.run(None, {self._input: to_input(whole_frame(image_bgr, (0, 0, 0, 0))[0])}))
        confidence = scores.max(axis=1)
        keep = np.flatnonzero(confidence >= DETECTION_CONFIDENCE)
        if len(keep) == 0:
            return None
        boxes = decode_boxes(deltas[keep], self._priors[keep])
        xywh = np.concatenate([boxes[:, :2], boxes[:, 2:] - boxes[:, :2]], axis=1)
        picked = np.asarray(cv2.dnn.NMSBoxes(xywh.tolist(), confidence[keep].tolist(), DETECTION_CONFIDENCE, DETECTION_NMS_IOU))
        largest = max(picked.reshape(-1), key=lambda i: xywh[i, 2] * xywh[i, 3])
        mask, no_mask = scores[keep[largest]]
        probability = float(mask / max(mask + no_mask, 1e-9))
        height, width = image_bgr.shape[:2]
        box = tuple(float(v) for v in xywh[largest] * (width, height, width, height))
        return box, MaskVerdict(probability >= self.threshold, probability)

    def _view(self, image_bgr: np.ndarray, face: np.ndarray) -> MaskVerdict:
        deltas, scores = (output[0] for output in self._session.run(None, {self._input: to_input(image_bgr)}))
        likely = np.sort(np.argpartition(scores.max(axis=1), -LIKELY_ANCHORS)[-LIKELY_ANCHORS:])
        boxes = decode_boxes(deltas[likely], self._priors[likely])
        if (iou(boxes, face) >= MIN_OVERLAP).any():  # then the most confident overlapping anchor is one of them
            return verdict(boxes, scores[likely], face, self.threshold)
        return verdict(decode_boxes(deltas, self._priors), scores, face, self.threshold)


def verdict(boxes: np.ndarray, scores: np.ndarray, face: np.ndarray, threshold: float) -> MaskVerdict:
    """Pick the most confident anchor overlapping the expected face box and turn its two scores into a verdict."""
    overlapping = iou(boxes, face) >= MIN_OVERLAP
    confidence = np.where(overlapping, scores.max(axis=1), -1.0)
    best = int(np.argmax(confidence))
    mask, no_mask = scores[best]
    probability = float(mask / max(mask + no_mask, 1e-9))
    return MaskVerdict(probability >= threshold, probability)
