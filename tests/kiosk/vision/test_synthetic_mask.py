import numpy as np
import pytest

from kiosk.vision.align import TEMPLATE
from kiosk.vision.synthetic_mask import MASK_STYLES, face_frame, render_mask

LANDMARKS = TEMPLATE * 2 + 20  # a frontal face in a 264×264 image


def test_face_frame_units_are_eye_distance_across_and_eye_to_mouth_down():
    origin, across, down = face_frame(LANDMARKS)
    assert np.allclose(origin, (LANDMARKS[0] + LANDMARKS[1]) / 2)
    assert np.isclose(np.linalg.norm(across), np.linalg.norm(LANDMARKS[1] - LANDMARKS[0]))
    assert down[1] > 0 and abs(down[0]) < 1  # points down the face
    assert np.isclose(np.linalg.norm(down), np.mean(LANDMARKS[3:, 1]) - np.mean(LANDMARKS[:2, 1]), atol=0.5)


@pytest.mark.parametrize("style", MASK_STYLES, ids=lambda s: s.name)
def test_each_style_covers_mouth_and_nose_tip_but_not_the_eyes(style):
    image = np.random.default_rng(1).integers(0, 255, (264, 264, 3), dtype=np.uint8)
    masked = render_mask(image, LANDMARKS, style)
    changed = np.any(masked != image, axis=2)
    for x, y in LANDMARKS[2:].round().astype(int):  # nose tip and mouth corners
        assert changed[y, x]
    eye_rows = slice(int(LANDMARKS[:2, 1].min()) - 5, int(LANDMARKS[:2, 1].max()) + 5)
    eye_columns = slice(int(LANDMARKS[0, 0]) - 5, int(LANDMARKS[1, 0]) + 5)
    assert not changed[eye_rows, eye_columns].any()
    assert np.array_equal(image, image.copy())  # the input is left untouched


def test_mask_follows_a_tilted_head():
    angle = np.radians(25)
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    tilted = (LANDMARKS - 132) @ rotation.T + 132
    image = np.zeros((264, 264, 3), dtype=np.uint8)
    changed = np.any(render_mask(image, tilted, MASK_STYLES[0]) != image, axis=2)
    for x, y in tilted[2:].round().astype(int):
        assert changed[y, x]
