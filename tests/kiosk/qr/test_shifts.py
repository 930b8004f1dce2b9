"""Frames with one photo fault at a strength: what they draw, and that the cascade's added stages read them."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from kiosk.qr import QrConfig, QrDecoder
from kiosk.qr.shifts import KINDS, LEVELS, shifted_frame, strength
from kiosk.qr.stages import Stage, parse_stage


def gray(image: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_draws_a_camera_frame_with_its_codes_readable_at_the_mild_level(kind: str) -> None:
    rng = np.random.default_rng(40)
    decoder = QrDecoder(QrConfig(idle_budget_ms=1e9, budget_ms=1e9))
    scenes = [shifted_frame(rng, kind, 1) for _ in range(3)]
    assert all(scene.image.shape == (480, 640, 3) and scene.image.dtype == np.uint8 for scene in scenes)
    read = [{code.text for code in decoder.decode(scene.image)} for scene in scenes]
    assert sum(set(scene.texts) <= texts for scene, texts in zip(scenes, read, strict=True)) >= 2


def test_the_same_seed_draws_the_same_frame() -> None:
    first = shifted_frame(np.random.default_rng(3), "curvature", 2)
    second = shifted_frame(np.random.default_rng(3), "curvature", 2)
    assert first.texts == second.texts and np.array_equal(first.image, second.image)


def test_a_frame_of_several_codes_holds_as_many_as_its_level_says() -> None:
    scene = shifted_frame(np.random.default_rng(4), "multiple", 3)
    assert len(scene.texts) == len(scene.corners) == int(strength("multiple", 3)) == 4


def test_an_unknown_kind_or_level_is_named_with_the_choices() -> None:
    with pytest.raises(ValueError, match=r"kind 'fog': expected one of motion-blur, defocus"):
        strength("fog", 1)
    with pytest.raises(ValueError, match=r"level 4: expected one of \(1, 2, 3\)"):
        shifted_frame(np.random.default_rng(0), "glare", 4)
    assert LEVELS == (1, 2, 3)


def test_local_thresholding_reads_faint_codes_that_zxing_alone_misses() -> None:
    rng = np.random.default_rng(41)
    scenes = [shifted_frame(rng, "low-contrast", 3) for _ in range(8)]
    alone, with_local = parse_stage("zxing"), parse_stage("zxing+sharpen+local")

    def read_by(stage: Stage) -> int:
        return sum(scene.texts[0] in {code.text for code in stage.run(gray(scene.image)).codes} for scene in scenes)

    assert read_by(with_local) >= read_by(alone) + 3
