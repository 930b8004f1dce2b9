"""Fixtures for the face stage: one pipeline per session on the test models folder, and a few real photos."""

from pathlib import Path

import cv2
import numpy as np
import pytest

from kiosk import models
from kiosk.vision import FacePipeline, VisionConfig
from kiosk.vision.session import open_session

# LFW faces are about 60 px wide: below the kiosk's default minimum, so tests on them lower it.
LFW_CONFIG = VisionConfig(min_face_px=40)


@pytest.fixture(scope="session")
def pipeline(models_dir: Path) -> FacePipeline:
    return FacePipeline(LFW_CONFIG, models_dir)


@pytest.fixture(scope="session")
def masking_pipeline(models_dir: Path, mask_model: Path) -> FacePipeline:
    """The pipeline with the mask check on, as `vision.mask_policy = "require"` or the gate's 'mask' check runs it."""
    return FacePipeline(LFW_CONFIG, models_dir, mask_required=True)


@pytest.fixture(scope="session")
def yunet(models_dir: Path):
    """A YuNet session of its own, for detectors built with other settings than the pipeline's."""
    return open_session(models.locate(models.load_manifest()["yunet"], models_dir), 1, (1, 3, 32, 32))


@pytest.fixture(scope="session")
def lfw(shared_dir: Path):
    """Read an LFW dev-test photo by person and number."""
    root = shared_dir / "faces-dev" / "lfw-devtest"
    if not root.is_dir():
        pytest.skip(f"LFW dev-test folder {root} is absent")

    def read(name: str, number: int) -> np.ndarray:
        return cv2.imread(str(root / name / f"{name}_{number:04d}.jpg"))

    return read


@pytest.fixture(scope="session")
def mask_photos(shared_dir: Path) -> Path:
    root = shared_dir / "faces-dev" / "mask-photos"
    if not root.is_dir():
        pytest.skip(f"mask photos folder {root} is absent")
    return root
