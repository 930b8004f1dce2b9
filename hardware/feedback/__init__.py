"""Feedback to the person at the gate: text on a display and spoken prompts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from hardware.clock import Clock
from hardware.settings import setting


class Feedback(Protocol):
    def show(self, text: str) -> None: ...

    def say(self, text: str) -> None: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class SimulatedFeedbackConfig:
    driver: Literal["simulated"] = "simulated"


@dataclass(frozen=True)
class ConsoleFeedbackConfig:
    driver: Literal["console"] = "console"
    speak: bool = setting(True, "speak prompts with espeak-ng when it is installed")
    voice: str = setting("en", "espeak-ng voice")


FeedbackConfig = SimulatedFeedbackConfig | ConsoleFeedbackConfig

DRIVERS = {
    "simulated": "hardware.feedback.simulated:SimulatedFeedback",
    "console": "hardware.feedback.console:ConsoleFeedback",
}


def open_feedback(config: FeedbackConfig, clock: Clock) -> Feedback:
    from hardware.registry import load_driver

    return load_driver("feedback", DRIVERS, config.driver)(config, clock)
