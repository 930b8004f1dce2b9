"""MiniFASNet's crop and the fused score on the three upstream sample photos (T1 real, F1 and F2 spoofs)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.images import read_image
from kiosk.vision import FacePipeline, VisionConfig
from kiosk.vision.antispoof import crop, crop_box, load_liveness_model


def test_the_crop_spans_the_scaled_box_about_its_centre() -> None:
    assert crop_box((480, 640, 3), (300.0, 200.0, 40.0, 50.0), 2.0) == (280, 175, 360, 275)


def test_a_crop_that_would_leave_the_frame_is_shifted_back_inside_not_cut() -> None:
    left, top, right, bottom = crop_box((480, 640, 3), (10.0, 400.0, 40.0, 50.0), 2.7)
    assert (left, bottom) == (0, 479)
    assert right - left == pytest.approx(2.7 * 40, abs=1) and bottom - top == pytest.approx(2.7 * 50, abs=1)


def test_a_crop_larger_than_the_frame_lowers_the_scale() -> None:
    left, top, right, bottom = crop_box((480, 640, 3), (200.0, 100.0, 200.0, 250.0), 4.0)
    assert top == 0 and bottom == 479 and 0 <= left and right <= 639


@pytest.fixture(scope="module")
def scorer(liveness_models: Path) -> tuple[FacePipeline, object]:
    model = load_liveness_model(liveness_models, 1)
    return FacePipeline(VisionConfig(models_dir=str(liveness_models)), liveness=model), model


@pytest.mark.parametrize(("name", "live"), [("image_T1.jpg", True), ("image_F1.jpg", False), ("image_F2.jpg", False)])
def test_the_upstream_samples_are_judged_as_upstream_labels_them(
    scorer: tuple[FacePipeline, object], shared_dir: Path, name: str, live: bool
) -> None:
    pipeline, _ = scorer
    image = read_image(shared_dir / "models" / "antispoof_minifasnet" / "samples" / name)
    face = pipeline.largest_face(image)
    assert face is not None
    assert crop(image, face.box, 2.7).shape == (80, 80, 3)
    p_real = pipeline.liveness_evidence(image, face).p_real
    assert (p_real >= 0.9) if live else (p_real < 0.4), p_real
