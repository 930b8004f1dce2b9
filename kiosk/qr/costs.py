"""What each decoding stage costs on this machine, learned from its recent runs, for planning a frame's budget."""

from __future__ import annotations

import statistics
from collections import defaultdict, deque

RECENT_RUNS = 15  # runs per stage whose median is its expected cost
RETRY_AFTER_SKIPS = 100  # a stage skipped this often runs once more, so that one slow run cannot shut it out
MIN_MEGAPIXELS = 0.05  # below this a stage's fixed cost per call dominates, so smaller images count as this size


class StageCosts:
    """Milliseconds per megapixel of each stage: the median of its recent runs (robust to a preempted run)."""

    def __init__(self) -> None:
        self._ms_per_megapixel: defaultdict[str, deque[float]] = defaultdict(lambda: deque(maxlen=RECENT_RUNS))
        self._skips: defaultdict[str, int] = defaultdict(int)

    def expected_ms(self, stage: str, megapixels: float) -> float:
        """The cost of running `stage` on an image of this size; 0 while it has never run."""
        recent = self._ms_per_megapixel[stage]
        return statistics.median(recent) * max(megapixels, MIN_MEGAPIXELS) if recent else 0.0

    def record(self, stage: str, megapixels: float, ms: float) -> None:
        self._ms_per_megapixel[stage].append(ms / max(megapixels, MIN_MEGAPIXELS))
        self._skips[stage] = 0

    def skip(self, stage: str) -> bool:
        """Note that `stage` does not fit this frame's budget; False when it is due to run anyway."""
        self._skips[stage] += 1
        return self._skips[stage] <= RETRY_AFTER_SKIPS
