"""Does detecting at a reduced size cost recognition accuracy? LFW dev pairs padded into 640×480 frames.

Each LFW dev-test photo (250×250, faces about 60 px) is scaled by FACE_SCALE (faces 81–100 px, median
about 90, at or above the kiosk's 80 px minimum) and pasted at the centre of a grey 640×480 frame, as
a camera would see a visitor. `kiosk eval faces` then runs on those frames with detection at 640 px
(the whole frame), 480 and 320 px (`vision.detect_max_side_px`, landmarks mapped back), unmasked and
with synthetic masks on the probe. Takes about an hour on one core (the masked runs embed every
enrolled photo's mask variants).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import cv2
import numpy as np

from bench._models import models_dir
from kiosk.vision import FacePipeline, VisionConfig
from kiosk.vision.evaluate import evaluate_pairs
from kiosk.vision.pairs import read_pairs

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"
FRAME_SIZE = (640, 480)
FACE_SCALE = 1.6
DETECT_SIZES = (640, 480, 320)
MASK_MODES = ("none", "synthetic")


def framed(photo: np.ndarray) -> np.ndarray:
    """`photo` scaled by FACE_SCALE on the centre of a grey FRAME_SIZE frame."""
    scaled = cv2.resize(photo, None, fx=FACE_SCALE, fy=FACE_SCALE, interpolation=cv2.INTER_LINEAR)
    frame = np.full((FRAME_SIZE[1], FRAME_SIZE[0], 3), 110, dtype=np.uint8)
    top, left = (FRAME_SIZE[1] - scaled.shape[0]) // 2, (FRAME_SIZE[0] - scaled.shape[1]) // 2
    frame[top : top + scaled.shape[0], left : left + scaled.shape[1]] = scaled
    return frame


def run() -> dict:
    source = SHARED / "faces-dev" / "lfw-devtest"
    results: dict[str, object] = {"frame": f"{FRAME_SIZE[0]}x{FRAME_SIZE[1]}", "face_scale": FACE_SCALE}
    with tempfile.TemporaryDirectory() as folder:
        frames = Path(folder)
        for photo in source.glob("*/*.jpg"):
            (frames / photo.parent.name).mkdir(exist_ok=True)
            cv2.imwrite(str(frames / photo.parent.name / photo.name), framed(cv2.imread(str(photo))), [cv2.IMWRITE_JPEG_QUALITY, 95])
        pairs = read_pairs(source / "pairsDevTest.txt", frames)
        for mode in MASK_MODES:
            for side in DETECT_SIZES:
                pipeline = FacePipeline(VisionConfig(threads=1, detect_max_side_px=side), models_dir())
                results[f"detect_{side}_mask_{mode}"] = evaluate_pairs(pipeline, pairs, mode)
    return results
