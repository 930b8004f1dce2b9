"""Reconnect back-off: due at once, then doubling delays up to a cap, reset by a success."""

from __future__ import annotations

import pytest

from hardware.thermometer.backoff import Backoff


def test_first_attempt_is_due_at_once_and_delays_double_to_the_cap():
    backoff = Backoff(first_s=0.2, max_s=1.0)
    assert backoff.is_due(0.0)
    delays = []
    now = 0.0
    for _ in range(5):
        backoff.failed(now)
        delays.append(round(backoff.seconds_left(now), 3))
        assert not backoff.is_due(now)
        now += backoff.seconds_left(now)
        assert backoff.is_due(now)
    assert delays == [0.2, 0.4, 0.8, 1.0, 1.0]


def test_success_starts_over():
    backoff = Backoff(first_s=0.2, max_s=5.0)
    backoff.failed(0.0)
    backoff.failed(0.2)
    backoff.succeeded()
    assert backoff.is_due(0.3)
    backoff.failed(1.0)
    assert backoff.seconds_left(1.0) == pytest.approx(0.2)


def test_rejects_a_cap_below_the_first_delay():
    with pytest.raises(ValueError, match="first_s = 2.0, max_s = 1.0"):
        Backoff(first_s=2.0, max_s=1.0)
