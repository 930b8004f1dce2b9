"""Face stage speed (per 640×480 frame, one thread) and 1:N search time; models from ../shared/models or $KIOSK_MODELS_DIR."""

from __future__ import annotations

import os
from pathlib import Path

from kiosk.vision.benchmark import benchmark

SHARED_MODELS = Path(__file__).resolve().parent.parent.parent / "shared" / "models"


def run() -> dict:
    configured = os.environ.get("KIOSK_MODELS_DIR")
    return benchmark(Path(configured) if configured else SHARED_MODELS)
