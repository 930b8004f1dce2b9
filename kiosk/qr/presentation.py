"""PresentationTracker: turns per-frame decodes into presentations, so a code held in view counts once."""

from __future__ import annotations

from kiosk.qr.code import DecodedCode


class PresentationTracker:
    """Reports a code when it is presented: first seen, or seen again after `debounce_s` out of view.

    A code is identified by its format and text. Frames where a held code is missed (blur, a finger)
    do not end its presentation as long as the gap is at most `debounce_s`.
    """

    def __init__(self, debounce_s: float) -> None:
        if debounce_s < 0:
            raise ValueError(f"debounce_s = {debounce_s}: expected 0 or more seconds")
        self._debounce_s = debounce_s
        self._last_seen: dict[tuple[str, str], float] = {}
        self._latest_at: float | None = None

    def update(self, codes: list[DecodedCode], at: float) -> list[DecodedCode]:
        """The codes in this frame that are newly presented; `at` is the frame's monotonic time in seconds."""
        if self._latest_at is not None and at < self._latest_at:
            raise ValueError(f"at = {at}: expected a time at or after the previous frame's ({self._latest_at})")
        self._latest_at = at
        presented = []
        for code in codes:
            key = (code.format, code.text)
            last = self._last_seen.get(key)
            if (last is None or at - last > self._debounce_s) and all(
                (p.format, p.text) != key for p in presented
            ):
                presented.append(code)
            self._last_seen[key] = at
        self._last_seen = {key: seen for key, seen in self._last_seen.items() if at - seen <= self._debounce_s}
        return presented
