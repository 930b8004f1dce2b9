"""QrDecoder on real photos, DCC pictures and synthetic gate conditions; unlimited time unless a test is about time."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from kiosk.qr import QrConfig, QrDecoder
from kiosk.qr.decoder import StillImageDecoder
from kiosk.qr.evaluation import dcc_samples, load_samples
from kiosk.qr.shifts import shifted_frame
from kiosk.qr.synthetic import (
    code_frame,
    credential_text,
    noise_frame,
    photo_frame,
    scene_frame,
    symbol,
    text_frame,
)

UNLIMITED = QrConfig(idle_budget_ms=1e9, budget_ms=1e9)


@pytest.fixture(scope="module")
def decoder() -> QrDecoder:
    return QrDecoder(UNLIMITED)


def texts(codes: list) -> list[str]:
    return [code.text for code in codes]


def test_real_photos_decode_to_their_exact_text(decoder: QrDecoder, shared_dir: Path) -> None:
    samples, errors, _ = load_samples([shared_dir / "conformance" / "qr-photos"])
    assert samples and not errors
    missed = [s.name for s in samples if s.expected not in texts(decoder.decode(s.image))]
    assert len(missed) <= 0.03 * len(samples), missed


def test_every_dcc_picture_decodes_to_its_prefix(decoder: QrDecoder, shared_dir: Path) -> None:
    samples = list(dcc_samples(shared_dir / "conformance" / "dcc"))
    wrong = [s.name for s in samples if texts(decoder.decode(s.image)) != ([s.expected] if s.expected else [])]
    assert len(samples) > 50 and wrong == []


@pytest.mark.parametrize(
    "condition", ["dark-mode", "glare", "low-contrast", "moire", "perspective", "small", "crease", "blur"]
)
def test_hard_conditions_mostly_decode(decoder: QrDecoder, condition: str) -> None:
    rng = np.random.default_rng(5)
    scenes = [code_frame(rng, condition) for _ in range(10)]
    decoded = sum(scene.texts[0] in texts(decoder.decode(scene.image)) for scene in scenes)
    assert decoded >= 8


def test_several_codes_in_one_frame_all_come_back_with_their_corners(decoder: QrDecoder) -> None:
    rng = np.random.default_rng(3)
    scene = code_frame(rng, "clean", [credential_text(rng, 60) for _ in range(3)])
    codes = decoder.decode(scene.image)
    assert sorted(texts(codes)) == sorted(scene.texts)
    for code in codes:
        drawn = np.array(scene.corners[scene.texts.index(code.text)])
        assert np.abs(np.array(code.corners) - drawn).max() < 4


@pytest.mark.parametrize("stage", ["zxing", "zbar"])
@pytest.mark.parametrize("quarter_turns", [0, 1, 2, 3])
def test_corners_start_at_the_symbols_top_left_and_go_clockwise(stage: str, quarter_turns: int) -> None:
    code = symbol("orientation", 8)
    frame = np.full((400, 400), 255, np.uint8)
    frame[50 : 50 + code.shape[0], 60 : 60 + code.shape[1]] = code
    turned = np.ascontiguousarray(np.rot90(frame, quarter_turns))
    unturned_corners = QrDecoder(QrConfig(stages=[stage])).decode(frame)[0].corners
    corners = QrDecoder(QrConfig(stages=[stage])).decode(turned)[0].corners
    # where the symbol's top-left corner lands after np.rot90 (counter-clockwise quarter turns)
    x, y = unturned_corners[0]
    for _ in range(quarter_turns):
        x, y = y, frame.shape[1] - 1 - x
    assert abs(corners[0][0] - x) <= 2 and abs(corners[0][1] - y) <= 2
    area = sum(ax * by - bx * ay for (ax, ay), (bx, by) in zip(corners, corners[1:] + corners[:1], strict=True))
    assert area > 0  # positive shoelace area with y pointing down: clockwise on screen


def test_text_noise_and_scene_frames_decode_to_nothing(decoder: QrDecoder) -> None:
    rng = np.random.default_rng(9)
    frames = [make(rng) for make in (text_frame, noise_frame, scene_frame) for _ in range(10)]
    assert [i for i, frame in enumerate(frames) if decoder.decode(frame)] == []


def test_faces_decode_to_nothing(decoder: QrDecoder, shared_dir: Path) -> None:
    rng = np.random.default_rng(10)
    faces = sorted((shared_dir / "faces-dev").rglob("*.jpg"))[:30]
    assert faces
    frames = [photo_frame(rng, cv2.imread(str(path))) for path in faces]
    assert [i for i, frame in enumerate(frames) if decoder.decode(frame)] == []


def test_grayscale_and_bgra_frames_are_accepted(decoder: QrDecoder) -> None:
    scene = code_frame(np.random.default_rng(1), "clean")
    gray = cv2.cvtColor(scene.image, cv2.COLOR_BGR2GRAY)
    assert texts(decoder.decode(gray)) == list(scene.texts)
    assert texts(decoder.decode(cv2.cvtColor(scene.image, cv2.COLOR_BGR2BGRA))) == list(scene.texts)


@pytest.mark.parametrize(
    ("image", "named"),
    [
        (np.zeros((48, 64), np.float32), "float32"),
        (np.zeros((48, 64, 5), np.uint8), "(48, 64, 5)"),
        (np.zeros((0, 4), np.uint8), "(0, 4)"),
    ],
)
def test_an_unusable_array_is_named_in_the_error(decoder: QrDecoder, image: np.ndarray, named: str) -> None:
    with pytest.raises(ValueError, match=rf"image: expected .*{named}"):
        decoder.decode(image)


class StepTimer:
    """A clock that advances `step_s` every time it is read: each stage run then costs the same."""

    def __init__(self, step_s: float) -> None:
        self.now = 0.0
        self.step_s = step_s

    def __call__(self) -> float:
        self.now += self.step_s
        return self.now


def test_a_frame_without_a_code_stops_at_the_idle_budget_once_costs_are_known() -> None:
    config = QrConfig(stages=["zxing", "zxing+otsu", "zbar"], idle_budget_ms=4.0, budget_ms=15.0)
    decoder = QrDecoder(config, timer=StepTimer(0.003))  # every stage costs 3 ms
    frame = scene_frame(np.random.default_rng(2))
    # a stage whose cost is unknown is tried once when any budget is left: otsu on the first frame, zbar on the second
    assert [a.stage for a in decoder.trace(frame).attempts] == ["zxing", "zxing+otsu"]
    assert [a.stage for a in decoder.trace(frame).attempts] == ["zxing", "zbar"]
    assert [a.stage for a in decoder.trace(frame).attempts] == ["zxing"]


def test_a_budget_scale_lets_a_larger_image_run_more_stages() -> None:
    config = QrConfig(stages=["zxing", "zxing+otsu"], idle_budget_ms=4.0, budget_ms=4.0)
    decoder = QrDecoder(config, timer=StepTimer(0.003))
    frame = scene_frame(np.random.default_rng(2))
    decoder.trace(frame)  # learn that both stages cost 3 ms
    assert [a.stage for a in decoder.trace(frame).attempts] == ["zxing"]
    assert [a.stage for a in decoder.trace(frame, budget_scale=2.0).attempts] == ["zxing", "zxing+otsu"]


def test_a_still_image_decoder_reads_what_the_frame_decoder_reads() -> None:
    scene = code_frame(np.random.default_rng(6), "perspective", [credential_text(np.random.default_rng(6), 80)])
    large = cv2.resize(scene.image, None, fx=2.0, fy=2.0)
    assert texts(StillImageDecoder().trace(large).codes) == list(scene.texts)


def test_a_mirrored_frame_from_a_selfie_camera_decodes(decoder: QrDecoder) -> None:
    scene = code_frame(np.random.default_rng(8), "clean")
    assert texts(decoder.decode(np.ascontiguousarray(scene.image[:, ::-1]))) == list(scene.texts)


def test_a_located_but_unread_symbol_gets_the_full_budget_on_its_region() -> None:
    rng = np.random.default_rng(4)
    code = symbol(credential_text(rng, 120), 4, "L")
    frame = np.full((480, 640), 200, np.uint8)
    frame[100 : 100 + code.shape[0], 150 : 150 + code.shape[1]] = code
    # a smudge over the data between the finder patterns: located, but too damaged for error correction
    middle = code.shape[0] // 2
    cv2.circle(frame, (150 + middle, 100 + middle), code.shape[0] // 5, 128, -1)
    decoder = QrDecoder(QrConfig(stages=["zxing", "zbar"], idle_budget_ms=0.0, budget_ms=1e9))
    trace = decoder.trace(frame)
    assert trace.attempts[0].located >= 1 and trace.codes == []
    left, top, right, bottom = trace.attempts[1].region
    assert left <= 150 + 16 and top <= 100 + 16 and right >= 150 + code.shape[1] - 16 and bottom <= 480
    assert (right - left) * (bottom - top) < 640 * 480 / 2


def test_the_curved_stage_runs_only_once_a_symbol_is_located() -> None:
    decoder = QrDecoder(QrConfig(stages=["zxing", "curved"], idle_budget_ms=1e9, budget_ms=1e9))
    empty = decoder.trace(scene_frame(np.random.default_rng(6)))
    assert [attempt.stage for attempt in empty.attempts] == ["zxing"] and empty.codes == []
    rng = np.random.default_rng(50)
    curved = [shifted_frame(rng, "curvature", 2) for _ in range(8)]
    traces = [decoder.trace(scene.image) for scene in curved]
    flattened = [t for t in traces if [a.stage for a in t.attempts] == ["zxing", "curved"] and t.attempts[1].decoded]
    assert len(flattened) >= 3
