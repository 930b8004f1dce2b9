"""The liveness verdict's fusion over frames, on stored scores (no models)."""

from __future__ import annotations

import pytest

from kiosk.config import KioskConfig, parse_config
from kiosk.errors import ConfigError
from kiosk.vision.config import LivenessConfig
from kiosk.vision.liveness import FrameEvidence, LivenessTrack, fuse

BOX = (100.0, 100.0, 120.0, 150.0)
MOVED_A_LITTLE = (104.0, 102.0, 120.0, 150.0)
ELSEWHERE = (400.0, 100.0, 120.0, 150.0)


def track(**settings: object) -> LivenessTrack:
    return LivenessTrack(LivenessConfig(**settings), min_iou=0.6)


def test_no_verdict_before_the_configured_number_of_frames() -> None:
    liveness = track(frames=3)
    assert liveness.add(BOX, FrameEvidence(0.99)) is None
    assert liveness.add(MOVED_A_LITTLE, FrameEvidence(0.99)) is None
    verdict = liveness.add(BOX, FrameEvidence(0.99))
    assert verdict is not None and verdict.live and verdict.frames == 3


def test_the_mean_of_the_last_frames_decides_so_one_bad_frame_does_not() -> None:
    liveness = track(frames=3, threshold=0.5)
    for score in (0.05, 0.9, 0.9):
        verdict = liveness.add(BOX, FrameEvidence(score))
    assert verdict is not None and verdict.live and verdict.score == pytest.approx(0.6167, abs=1e-4)
    verdict = liveness.add(BOX, FrameEvidence(0.0))  # the window slides: 0.9, 0.9, 0.0
    assert verdict is not None and verdict.live is True
    verdict = liveness.add(BOX, FrameEvidence(0.0))  # 0.9, 0.0, 0.0
    assert verdict is not None and not verdict.live


def test_a_photo_scores_below_the_threshold_and_the_detail_says_by_how_much() -> None:
    verdict = fuse([FrameEvidence(0.31), FrameEvidence(0.01)], LivenessConfig(threshold=0.5))
    assert not verdict.live
    assert verdict.detail == "presentation attack: mean P(real) 0.16 < 0.50 over 2 frame(s) (0.31, 0.01)"


def test_a_face_that_jumps_elsewhere_starts_over() -> None:
    liveness = track(frames=2)
    assert liveness.add(BOX, FrameEvidence(0.9)) is None
    assert liveness.add(ELSEWHERE, FrameEvidence(0.1)) is None  # a photo pushed in: the live frame does not count
    verdict = liveness.add(ELSEWHERE, FrameEvidence(0.1))
    assert verdict is not None and not verdict.live and verdict.score == pytest.approx(0.1)


def test_losing_the_face_starts_over() -> None:
    liveness = track(frames=2)
    liveness.add(BOX, FrameEvidence(0.9))
    liveness.lose()
    assert liveness.add(BOX, FrameEvidence(0.9)) is None


def test_a_signal_flags_a_frame_only_when_it_is_switched_on() -> None:
    screen = FrameEvidence(0.95, moire=40.0, frame_edges=1.0)
    assert fuse([screen], LivenessConfig()).live
    flagged = fuse([screen], LivenessConfig(moire=True, moire_limit=10.0))
    assert not flagged.live and flagged.score == 0.0 and "screen moiré in 1 of 1" in flagged.detail
    framed = fuse([screen], LivenessConfig(frame_edges=True, frame_edge_limit=0.75))
    assert not framed.live and "straight edges around the face in 1 of 1" in framed.detail
    assert fuse([FrameEvidence(0.95, moire=3.0)], LivenessConfig(moire=True, moire_limit=10.0)).live


def test_liveness_settings_are_strict_about_range_nan_and_unknown_keys() -> None:
    config = parse_config(KioskConfig, "[vision.liveness]\nthreshold = 0.7\nframes = 5\n")
    assert (config.vision.liveness.threshold, config.vision.liveness.frames) == (0.7, 5)
    for text, expected in (
        ("threshold = nan", "vision.liveness.threshold = nan: expected"),
        ("threshold = 1.5", "vision.liveness.threshold = 1.5: expected"),
        ("frames = 0", "vision.liveness.frames = 0: expected"),
        ("frame = 3", "vision.liveness.frame: unknown key"),
    ):
        with pytest.raises(ConfigError) as caught:
            parse_config(KioskConfig, f"[vision.liveness]\n{text}\n")
        assert any(expected in problem for problem in caught.value.problems), caught.value.problems


def test_liveness_is_a_check_the_policy_can_require() -> None:
    config = parse_config(KioskConfig, '[gate]\nchecks = ["credential", "face", "liveness"]\n')
    assert config.gate.checks == ["credential", "face", "liveness"]
