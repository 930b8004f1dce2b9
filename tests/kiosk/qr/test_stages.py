"""Stages: names, and corners mapped back from a scaled region to the whole frame."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from kiosk.qr.stages import parse_stage, stage_problem
from kiosk.qr.synthetic import code_frame, credential_text


@pytest.mark.parametrize(
    "name",
    ["zxing+upscale", "zbar+invert+invert+upscale", "zxing+clahe", "zbar+adaptive", "curved", "zxing+enlarge+local"],
)
def test_a_stage_on_a_region_reports_corners_in_frame_coordinates(name: str) -> None:
    rng = np.random.default_rng(12)
    scene = code_frame(rng, "clean", [credential_text(rng, 40), credential_text(rng, 40)])
    gray = cv2.cvtColor(scene.image, cv2.COLOR_BGR2GRAY)
    drawn = np.array(scene.corners[1])
    left, top = (drawn.min(axis=0) - 20).astype(int)
    right, bottom = (drawn.max(axis=0) + 20).astype(int)
    reading = parse_stage(name).run(gray, (int(left), int(top), int(right), int(bottom)))
    assert [code.text for code in reading.codes] == [scene.texts[1]]
    assert np.abs(np.array(reading.codes[0].corners) - drawn).max() < 4


def test_valid_names_have_no_problem() -> None:
    assert stage_problem("zxing") is None
    assert stage_problem("zbar+sharpen+otsu") is None


def test_an_invalid_name_is_refused_when_parsed() -> None:
    with pytest.raises(ValueError, match=r"stage 'zxing\+blur': unknown step 'blur'"):
        parse_stage("zxing+blur")
