"""The gate's state as retained MQTT messages under `kiosk/<gate>/state/...`; nothing personal.

`online` ("online"/"offline", the last will), `door` ("locked", "unlocked", "held-open", "forced"),
`door_contact` ("open", "closed"), `mode` ("normal", "lock-down", "evacuation"), `alarms` (a JSON list of alarm kinds) and `health` (a JSON object: "ok" or "degraded", and the
checks that cannot run, and the clock: its synchronisation state, the tool that told it, and whether
the gate decides by it). The audit head is published beside them (`audit_head`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Protocol

ONLINE = "online"
OFFLINE = "offline"


class GateView(Protocol):
    """What the state is read from: the running gate (`GateRunner`)."""

    @property
    def is_unlocked(self) -> bool: ...

    @property
    def alarms(self) -> frozenset[str]: ...

    @property
    def unavailable_checks(self) -> tuple[str, ...]: ...

    @property
    def mode(self) -> str: ...

    @property
    def is_door_open(self) -> bool: ...


def state_topic(gate_id: str, name: str) -> str:
    return f"kiosk/{gate_id}/state/{name}"


def door_state(is_unlocked: bool, alarms: frozenset[str]) -> str:
    """An alarm outranks the lock: a forced door is "forced" whatever the relay does."""
    if "door-forced-open" in alarms:
        return "forced"
    if "door-held-open" in alarms:
        return "held-open"
    return "unlocked" if is_unlocked else "locked"


@dataclass(frozen=True)
class ClockState:
    state: str  # "synchronised", "holdover", "unsynchronised" or "unknown"
    source: str  # "timedatectl", "chronyc" or "none"
    is_trusted: bool  # False: every visit is denied clock-unsynchronised


def gate_state(gate: GateView, clock: ClockState) -> dict[str, str]:
    """{state name: retained payload} for the door, the alarms and the device health (with the clock)."""
    unavailable = list(gate.unavailable_checks)
    health = {
        "status": "degraded" if unavailable or not clock.is_trusted else "ok",
        "unavailable_checks": unavailable,
        "clock": clock.state,
        "clock_source": clock.source,
        "clock_trusted": clock.is_trusted,
    }
    return {
        "door": door_state(gate.is_unlocked, gate.alarms),
        "mode": gate.mode,
        "door_contact": "open" if gate.is_door_open else "closed",
        "alarms": json.dumps(sorted(gate.alarms)),
        "health": json.dumps(health, sort_keys=True),
    }
