"""Simulated feedback: every message shown or spoken is recorded with the clock's time."""

from __future__ import annotations

from dataclasses import dataclass

from hardware.clock import Clock
from hardware.feedback import SimulatedFeedbackConfig


@dataclass(frozen=True)
class Prompt:
    at: float
    kind: str  # "show" or "say"
    text: str


class SimulatedFeedback:
    def __init__(self, config: SimulatedFeedbackConfig, clock: Clock) -> None:
        self._clock = clock
        self.prompts: list[Prompt] = []

    def show(self, text: str) -> None:
        self.prompts.append(Prompt(self._clock.monotonic(), "show", text))

    def say(self, text: str) -> None:
        self.prompts.append(Prompt(self._clock.monotonic(), "say", text))

    def close(self) -> None:
        pass
