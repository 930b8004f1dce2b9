"""Shared fixtures: the read-only `../shared` folder (skipped with a reason when absent) and a manual clock."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from hardware.clock import ManualClock

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _shared_root() -> Path:
    return Path(os.environ.get("KIOSK_SHARED_DIR", PROJECT_ROOT.parent / "shared"))


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The shared development data (`../shared`); tests that need it skip when it is absent."""
    root = _shared_root()
    if not root.is_dir():
        pytest.skip(f"shared data folder {root} is absent (set KIOSK_SHARED_DIR or place it beside the project)")
    return root


@pytest.fixture(scope="session")
def models_dir(shared_dir: Path) -> Path:
    path = shared_dir / "models"
    if not path.is_dir():
        pytest.skip(f"models folder {path} is absent")
    return path


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()
