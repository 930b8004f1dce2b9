"""Time as an input: the real clock and a manual one for tests and simulations."""

import time
from typing import Protocol


class Clock(Protocol):
    """Where "now" comes from. `monotonic()` for intervals, `wall()` for timestamps people read."""

    def monotonic(self) -> float: ...

    def wall(self) -> float: ...


class SystemClock:
    """The machine's clocks."""

    def monotonic(self) -> float:
        return time.monotonic()

    def wall(self) -> float:
        return time.time()


class ManualClock:
    """A clock that moves only when told to; wall time keeps a fixed offset from monotonic time."""

    def __init__(self, start_s: float = 0.0, wall_offset_s: float = 1_767_225_600.0) -> None:
        self._now_s = start_s
        self._wall_offset_s = wall_offset_s

    def monotonic(self) -> float:
        return self._now_s

    def wall(self) -> float:
        return self._now_s + self._wall_offset_s

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError(f"cannot move a clock backwards by {seconds} s")
        self._now_s += seconds

    def set(self, now_s: float) -> None:
        if now_s < self._now_s:
            raise ValueError(f"cannot move a clock backwards from {self._now_s} s to {now_s} s")
        self._now_s = now_s
