"""Retry with exponential back-off for a device that stopped answering; time is a parameter."""

from __future__ import annotations


class Backoff:
    """After each failure wait twice as long (from `initial_s` up to `max_s`) before the next try."""

    def __init__(self, initial_s: float = 0.5, max_s: float = 30.0) -> None:
        self._initial_s = initial_s
        self._max_s = max_s
        self.delay_s = 0.0
        self._next_try_at = float("-inf")

    def may_try(self, now: float) -> bool:
        return now >= self._next_try_at

    def failed(self, now: float) -> None:
        self.delay_s = min(self._max_s, self.delay_s * 2 if self.delay_s else self._initial_s)
        self._next_try_at = now + self.delay_s

    def succeeded(self) -> None:
        self.delay_s = 0.0
        self._next_try_at = float("-inf")
