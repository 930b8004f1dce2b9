"""When to try a failing device again: exponential back-off, decided from a `now` passed in."""

from __future__ import annotations


class Backoff:
    """Attempts are due at once, then after `first_s`, doubling up to `max_s`; a success starts over."""

    def __init__(self, first_s: float = 0.2, max_s: float = 5.0) -> None:
        if not 0 < first_s <= max_s:
            raise ValueError(f"backoff first_s = {first_s}, max_s = {max_s}: expected 0 < first_s <= max_s")
        self.first_s = first_s
        self.max_s = max_s
        self._delay_s = first_s
        self._next_at: float | None = None

    def is_due(self, now: float) -> bool:
        return self._next_at is None or now >= self._next_at

    def seconds_left(self, now: float) -> float:
        return 0.0 if self._next_at is None else max(0.0, self._next_at - now)

    def failed(self, now: float) -> None:
        """Record a failed attempt made at `now`; the next one is due after the current delay."""
        self._next_at = now + self._delay_s
        self._delay_s = min(self._delay_s * 2, self.max_s)

    def succeeded(self) -> None:
        self._delay_s = self.first_s
        self._next_at = None
