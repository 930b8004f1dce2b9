"""MiniFASNet presentation-attack detection: P(real face) for a face box in a BGR frame.

Two models look at the same face with different context (MODELS.md §8, models/manifest.json):
MiniFASNetV2 at 2.7× the face box and MiniFASNetV1SE at 4.0×; each crop is resized to 80×80 BGR,
raw 0..255. Each gives 3 logits, class 1 = real; the fused score is the mean of the two softmax
P(real), as upstream (Silent-Face-Anti-Spoofing) fuses them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from kiosk import models
from kiosk.vision.detector import Box
from kiosk.vision.runtime import ort
from kiosk.vision.session import open_session

INPUT_SIZE = 80
REAL_CLASS = 1
MODEL_SCALES = {"minifasnet-v2": 2.7, "minifasnet-v1se": 4.0}
"""Manifest name → how many times the face box each model's crop spans."""


def crop_box(frame_shape: tuple[int, ...], box: Box, scale: float) -> tuple[int, int, int, int]:
    """(left, top, right, bottom), inclusive, of `box` scaled by `scale` about its centre and kept inside the frame.

    As upstream: the scale is lowered when the scaled box would be larger than the frame, and a box
    that sticks out on one side is shifted back inside rather than cut.
    """
    height, width = frame_shape[:2]
    x, y, box_w, box_h = box
    scale = min((height - 1) / box_h, (width - 1) / box_w, scale)
    new_w, new_h = box_w * scale, box_h * scale
    centre_x, centre_y = x + box_w / 2, y + box_h / 2
    left, top = centre_x - new_w / 2, centre_y - new_h / 2
    right, bottom = centre_x + new_w / 2, centre_y + new_h / 2
    if left < 0:
        right, left = right - left, 0
    if top < 0:
        bottom, top = bottom - top, 0
    if right > width - 1:
        left, right = left - (right - width + 1), width - 1
    if bottom > height - 1:
        top, bottom = top - (bottom - height + 1), height - 1
    return int(left), int(top), int(right), int(bottom)


def crop(frame_bgr: np.ndarray, box: Box, scale: float) -> np.ndarray:
    """The model's 80×80 BGR view of the face in `box`."""
    left, top, right, bottom = crop_box(frame_bgr.shape, box, scale)
    return cv2.resize(frame_bgr[top : bottom + 1, left : right + 1], (INPUT_SIZE, INPUT_SIZE))


def to_blob(crop_bgr: np.ndarray) -> np.ndarray:
    return crop_bgr.transpose(2, 0, 1)[None].astype(np.float32)


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max())
    return shifted / shifted.sum()


@dataclass(frozen=True)
class AntiSpoofModel:
    """One MiniFASNet: its session and the crop scale it was trained on."""

    session: ort.InferenceSession
    scale: float

    def p_real(self, frame_bgr: np.ndarray, box: Box) -> float:
        name = self.session.get_inputs()[0].name
        logits = self.session.run(None, {name: to_blob(crop(frame_bgr, box, self.scale))})[0][0]
        return float(softmax(logits)[REAL_CLASS])


class LivenessModel:
    """The fused MiniFASNet score: mean P(real) of both models, 0..1."""

    def __init__(self, members: list[AntiSpoofModel]) -> None:
        self.members = members

    def p_real(self, frame_bgr: np.ndarray, box: Box) -> float:
        return float(np.mean([member.p_real(frame_bgr, box) for member in self.members]))


def load_liveness_model(models_dir: Path, threads: int) -> LivenessModel:
    """Both MiniFASNet models from `models_dir`, sha256-checked; raises models.ModelError naming the file and the fix."""
    specs = models.load_manifest()
    members = []
    for name, scale in MODEL_SCALES.items():
        path = models.locate(specs[name], models_dir)
        members.append(AntiSpoofModel(open_session(path, threads, (1, 3, INPUT_SIZE, INPUT_SIZE)), scale))
    return LivenessModel(members)
