"""The clock probe, run off the gate loop: asks timesyncd or chrony every `interval_s` in its own thread.

The gate loop only reads `latest` (a frozen value swapped whole), so a slow or hanging tool never
holds up the door; the first answer is taken before the gate starts serving.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from hardware.clock import Clock
from kiosk.service.clock_sync import ClockSync, Holdover, clock_sync

logger = logging.getLogger(__name__)


class ClockWatch:
    def __init__(self, interval_s: float, holdover: Holdover, clock: Clock, probe: Callable[[], ClockSync] = clock_sync) -> None:
        self._interval_s = interval_s
        self._holdover = holdover
        self._clock = clock
        self._probe = probe
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.latest = ClockSync("unknown", "none", "not asked yet")

    def start(self) -> None:
        """Ask once now, then every interval in a daemon thread until `stop()`."""
        self.ask_now()
        self._thread = threading.Thread(target=self._run, name="clock-watch", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.wait(self._interval_s):
            self.ask_now()

    def ask_now(self) -> None:
        """Ask the tools now (the thread does so every interval) and keep the answer, judged for holdover, as `latest`."""
        answer = self._holdover.judge(self._probe(), self._clock.wall(), self._clock.monotonic())
        if answer.state != self.latest.state:
            logger.info("clock %s: %s", answer.state, answer.detail)
        self.latest = answer
