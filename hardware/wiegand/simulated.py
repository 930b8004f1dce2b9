"""A simulated Wiegand output: records every line edge, timed from the injected clock and the configured timing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from hardware.clock import Clock
from hardware.wiegand import SimulatedWiegandConfig, pulse_train


@dataclass(frozen=True)
class LineEdge:
    """`line` ("D0" or "D1") went low (a pulse starts) or back high, `at` seconds on the clock."""

    line: str
    low: bool
    at: float


class SimulatedWiegandOutput:
    """Like a real transmitter's queue: a frame starts when it is sent or when the previous one ends, whichever is later."""

    def __init__(self, config: SimulatedWiegandConfig, clock: Clock) -> None:
        self._config = config
        self._clock = clock
        self._busy_until = float("-inf")
        self._low = {"D0": False, "D1": False}
        self.edges: list[LineEdge] = []

    def send(self, bits: Sequence[bool]) -> None:
        at = max(self._clock.monotonic(), self._busy_until)
        for step in pulse_train(bits, self._config.pulse_us, self._config.interval_us):
            for line, low in (("D0", step.d0_low), ("D1", step.d1_low)):
                if self._low[line] != low:
                    self._low[line] = low
                    self.edges.append(LineEdge(line, low, at))
            at += step.hold_us / 1e6
        self._busy_until = at

    def close(self) -> None:
        pass  # every frame ends with both lines idle
