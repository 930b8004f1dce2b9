"""The models folder the benchmarks load: $KIOSK_MODELS_DIR, else the project's cache `.models/` (./dev.sh fills it)."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_CACHE = Path(__file__).resolve().parent.parent / ".models"


def models_dir() -> Path:
    configured = os.environ.get("KIOSK_MODELS_DIR")
    return Path(configured) if configured else PROJECT_CACHE
