"""The gate's policy: which checks are required, in what order, and the door's timings."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from kiosk.config.schema import GateConfig

# What the person is asked to do for each check, in the policy's order. Checks added later
# fall back to a generic prompt, so a new capability needs no change to the machine.
PROMPTS = {
    "credential": "Please show your pass to the scanner.",
    "face": "Please look at the camera.",
    "mask": "Please look at the camera.",
    "liveness": "Please look at the camera yourself.",
    "temperature": "Please hold still for the temperature check.",
}


@dataclass(frozen=True)
class GatePolicy:
    checks: tuple[str, ...]
    unlock_s: float
    visit_timeout_s: float
    held_open_alarm_s: float
    exit_unlock_s: float
    when_check_unavailable: str  # "deny" or "operator"
    hold_s: float = 2.0  # after a decision, the verdict stays on screen and no new visit starts
    # door.mode 'panel-osdp' / 'panel-wiegand': "osdp" or "wiegand"; a grant is a card read for the panel, not an unlock.
    panel: str | None = None
    cards: Mapping[str, int] = field(default_factory=dict)  # pseudonymous id -> card number reported to the panel

    def __post_init__(self) -> None:
        # The config loader bounds these already; a policy built any other way must not hold the door by a nan.
        timings = (self.unlock_s, self.visit_timeout_s, self.held_open_alarm_s, self.exit_unlock_s, self.hold_s)
        if not all(math.isfinite(value) and value >= 0 for value in timings) or min(self.unlock_s, self.exit_unlock_s) <= 0:
            raise ValueError(f"gate policy timings {timings}: expected finite seconds, unlock times above 0")

    @classmethod
    def from_config(cls, config: GateConfig, door_mode: str = "relay", cards: Mapping[str, int] | None = None) -> GatePolicy:
        """The policy for `config`; with a panel door mode, grants are reported as the card numbers in `cards`."""
        return cls(
            checks=tuple(config.checks),
            unlock_s=config.unlock_s,
            visit_timeout_s=config.visit_timeout_s,
            held_open_alarm_s=config.held_open_alarm_s,
            exit_unlock_s=config.exit_unlock_s,
            when_check_unavailable=config.when_check_unavailable,
            hold_s=config.decision_hold_s,
            panel=door_mode.removeprefix("panel-") if door_mode != "relay" else None,
            cards=dict(cards or {}),
        )

    def prompt_for(self, check: str) -> str:
        return PROMPTS.get(check, f"Please complete the {check} check.")
