"""PresentationTracker: a code held in view is one presentation; it counts again only after leaving the view."""

from __future__ import annotations

import pytest

from kiosk.qr import DecodedCode, PresentationTracker

CORNERS = ((0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (0.0, 10.0))
PASS = DecodedCode("HC1:PASS", "QRCode", CORNERS)
OTHER = DecodedCode("HC1:OTHER", "QRCode", CORNERS)


def presented(tracker: PresentationTracker, frames: list[tuple[float, list[DecodedCode]]]) -> list[tuple[float, str]]:
    return [(at, code.text) for at, codes in frames for code in tracker.update(codes, at)]


def test_a_code_held_in_view_is_presented_once() -> None:
    frames = [(i / 15, [PASS]) for i in range(45)]
    assert presented(PresentationTracker(debounce_s=1.0), frames) == [(0.0, "HC1:PASS")]


def test_frames_that_miss_a_held_code_do_not_end_its_presentation() -> None:
    frames = [(0.0, [PASS]), (0.5, []), (0.9, []), (1.0, [PASS]), (1.8, [PASS])]
    assert presented(PresentationTracker(debounce_s=1.0), frames) == [(0.0, "HC1:PASS")]


def test_a_code_shown_again_after_leaving_the_view_counts_again() -> None:
    frames = [(0.0, [PASS]), (0.2, [PASS]), (0.4, []), (1.0, []), (1.3, [PASS]), (1.4, [PASS])]
    assert presented(PresentationTracker(debounce_s=1.0), frames) == [(0.0, "HC1:PASS"), (1.3, "HC1:PASS")]


def test_a_gap_of_exactly_the_debounce_time_is_still_the_same_presentation() -> None:
    frames = [(0.0, [PASS]), (1.0, [PASS]), (2.5, [PASS])]
    assert presented(PresentationTracker(debounce_s=1.0), frames) == [(0.0, "HC1:PASS"), (2.5, "HC1:PASS")]


def test_codes_are_tracked_independently() -> None:
    frames = [(0.0, [PASS]), (0.5, [PASS, OTHER]), (1.0, [OTHER]), (3.0, [PASS, OTHER])]
    assert presented(PresentationTracker(debounce_s=1.0), frames) == [
        (0.0, "HC1:PASS"),
        (0.5, "HC1:OTHER"),
        (3.0, "HC1:PASS"),
        (3.0, "HC1:OTHER"),
    ]


def test_the_same_code_twice_in_one_frame_is_one_presentation() -> None:
    twin = DecodedCode("HC1:PASS", "QRCode", ((50.0, 0.0), (60.0, 0.0), (60.0, 10.0), (50.0, 10.0)))
    assert presented(PresentationTracker(debounce_s=1.0), [(0.0, [PASS, twin])]) == [(0.0, "HC1:PASS")]


def test_zero_debounce_counts_every_frame_after_a_gap() -> None:
    frames = [(0.0, [PASS]), (0.0, [PASS]), (0.1, [PASS])]
    assert presented(PresentationTracker(debounce_s=0.0), frames) == [(0.0, "HC1:PASS"), (0.1, "HC1:PASS")]


def test_time_going_backwards_is_refused_with_both_times() -> None:
    tracker = PresentationTracker(debounce_s=1.0)
    tracker.update([PASS], 5.0)
    with pytest.raises(ValueError, match=r"at = 4.0: expected a time at or after the previous frame's \(5.0\)"):
        tracker.update([PASS], 4.0)


def test_a_negative_debounce_is_refused() -> None:
    with pytest.raises(ValueError, match="debounce_s = -1"):
        PresentationTracker(debounce_s=-1)
