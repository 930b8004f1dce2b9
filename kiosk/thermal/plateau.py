"""Finding a stable plateau in a series of readings: drop outliers, then require a small spread and no trend."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

MIN_READINGS = 3
MAD_TO_SD = 1.4826


@dataclass(frozen=True)
class Plateau:
    """The readings of the newest window that agree: their mean and spread, and which were kept."""

    mean_c: float
    sd_c: float
    inliers: tuple[int, ...]
    """Indices into the series passed to `find_plateau`."""


def find_plateau(times_s: Sequence[float], values_c: Sequence[float], window_s: float, tolerance_c: float) -> Plateau | None:
    """The newest window of at least `window_s` (and 3 readings) if it is stable, else None.

    Outliers are readings further from the window's median than 3.5 robust standard deviations (but
    never closer than half the tolerance), at most a quarter of the window. Stable means the rest
    spread over no more than `tolerance_c` and their linear trend moves less than half of it.
    """
    start = _window_start(times_s, window_s)
    if start is None:
        return None
    times = np.asarray(times_s[start:], dtype=float)
    values = np.asarray(values_c[start:], dtype=float)
    median = float(np.median(values))
    deviation = np.abs(values - median)
    limit = max(3.5 * MAD_TO_SD * float(np.median(deviation)), tolerance_c / 2)
    kept = [i for i in range(len(values)) if deviation[i] <= limit]
    if len(kept) < max(MIN_READINGS, len(values) - len(values) // 4):
        return None
    kept_values, kept_times = values[kept], times[kept]
    if kept_values.max() - kept_values.min() > tolerance_c:
        return None
    span_s = float(kept_times[-1] - kept_times[0])
    slope = float(np.polyfit(kept_times - kept_times[0], kept_values, 1)[0]) if span_s > 0 else 0.0
    if abs(slope) * span_s > tolerance_c / 2:
        return None
    return Plateau(
        mean_c=float(kept_values.mean()),
        sd_c=float(kept_values.std(ddof=1)),
        inliers=tuple(start + i for i in kept),
    )


def _window_start(times_s: Sequence[float], window_s: float) -> int | None:
    """Index of the oldest reading in the newest window that spans `window_s`, or None if the series is shorter."""
    for index in range(len(times_s) - MIN_READINGS, -1, -1):
        if times_s[-1] - times_s[index] >= window_s:
            return index
    return None
