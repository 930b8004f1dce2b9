"""The curved reader: codes wrapped around a cylinder, flat codes, and frames without a code."""

from __future__ import annotations

import cv2
import numpy as np

from kiosk.qr.curved_reader import read_curved
from kiosk.qr.shifts import shifted_frame
from kiosk.qr.synthetic import code_frame, noise_frame, scene_frame
from kiosk.qr.zxing_reader import read_zxing


def gray(image: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)


def test_codes_on_a_cylinder_that_zxing_only_locates_are_read_flattened() -> None:
    rng = np.random.default_rng(50)
    scenes = [shifted_frame(rng, "curvature", 2) for _ in range(8)]
    by_zxing = sum(scene.texts[0] in {code.text for code in read_zxing(gray(scene.image)).codes} for scene in scenes)
    by_curved = [{code.text for code in read_curved(gray(scene.image)).codes} for scene in scenes]
    assert sum(scene.texts[0] in texts for scene, texts in zip(scenes, by_curved, strict=True)) >= by_zxing + 3
    assert all(texts <= {scene.texts[0]} for scene, texts in zip(scenes, by_curved, strict=True))


def test_a_flat_code_comes_back_as_zxing_reads_it() -> None:
    scene = code_frame(np.random.default_rng(8), "perspective")
    image = gray(scene.image)
    assert read_curved(image).codes == read_zxing(image).codes
    assert [code.text for code in read_curved(image).codes] == list(scene.texts)


def test_frames_without_a_code_read_nothing() -> None:
    rng = np.random.default_rng(9)
    for frame in [noise_frame(rng) for _ in range(5)] + [scene_frame(rng) for _ in range(5)]:
        assert read_curved(gray(frame)).codes == ()
