"""Face stage speed (per 640×480 frame, one thread) and 1:N search time; models from $KIOSK_MODELS_DIR or .models/."""

from __future__ import annotations

from bench._models import models_dir
from kiosk.vision.benchmark import benchmark


def run() -> dict:
    return benchmark(models_dir())
