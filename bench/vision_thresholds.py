"""Match thresholds at FAR 1e-3 for unmasked and masked probes, calibrated on ../shared/faces-dev/lfw-devtest.

The defaults in kiosk/vision/config.py come from this run (README, "Vision"). Takes several minutes.
"""

from __future__ import annotations

from pathlib import Path

from bench._models import models_dir
from kiosk.vision import FacePipeline, VisionConfig
from kiosk.vision.calibrate import calibrate
from kiosk.vision.evaluate import PAIRS_DETECT_SCORE
from kiosk.vision.pairs import read_pairs

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"


def run() -> dict:
    images = SHARED / "faces-dev" / "lfw-devtest"
    pipeline = FacePipeline(VisionConfig(detect_score=PAIRS_DETECT_SCORE), models_dir())
    return calibrate(pipeline, read_pairs(images / "pairsDevTest.txt", images))
