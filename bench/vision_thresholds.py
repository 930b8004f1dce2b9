"""Match thresholds at FAR 1e-3 for unmasked and masked probes under the default matching, on ../shared/faces-dev/lfw-devtest.

The impostors are the pairs' first images × their second images. `unmasked_threshold` comes from
bench vision_matching (every photo × every photo, tuned on either half of the people and judged on the
other); `masked_threshold` (mask-aware matching only) from this run with masked_templates on. Takes several minutes.
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
