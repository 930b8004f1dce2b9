"""The door state the gate reports follows the machine: an alarm outranks the relay."""

from __future__ import annotations

import json

from kiosk.config.schema import GateConfig
from kiosk.fleet.state import ClockState, door_state, gate_state
from kiosk.gate.events import DoorClosed, DoorOpened, ExitPressed, Tick
from kiosk.gate.machine import GateMachine
from kiosk.gate.policy import GatePolicy


def machine() -> GateMachine:
    gate = GateMachine(GatePolicy.from_config(GateConfig(held_open_alarm_s=30)))
    gate.start()
    return gate


def state_of(gate: GateMachine) -> str:
    return door_state(gate.is_unlocked, gate.alarms)


def test_a_door_opened_while_locked_is_reported_forced_until_it_closes() -> None:
    gate = machine()
    assert state_of(gate) == "locked"
    gate.handle(DoorOpened(1.0))
    assert state_of(gate) == "forced"
    gate.handle(DoorClosed(2.0))
    assert state_of(gate) == "locked"


def test_an_exit_release_reads_unlocked_and_a_door_left_open_reads_held_open() -> None:
    gate = machine()
    gate.handle(ExitPressed(1.0))
    assert state_of(gate) == "unlocked"
    gate.handle(DoorOpened(2.0))
    gate.handle(Tick(40.0))
    assert state_of(gate) == "held-open"
    assert json.dumps(sorted(gate.alarms)) == '["door-held-open"]'


def test_the_health_state_carries_the_clock_and_an_untrusted_clock_is_degraded() -> None:
    gate = GateRunnerView()
    trusted = json.loads(gate_state(gate, ClockState("synchronised", "chronyc", is_trusted=True))["health"])
    assert trusted == {"status": "ok", "unavailable_checks": [], "clock": "synchronised", "clock_source": "chronyc", "clock_trusted": True}
    untrusted = json.loads(gate_state(gate, ClockState("unknown", "none", is_trusted=False))["health"])
    assert (untrusted["status"], untrusted["clock"], untrusted["clock_trusted"]) == ("degraded", "unknown", False)


class GateRunnerView:
    """A gate with the door locked, no alarms and every check able to run."""

    is_unlocked = False
    alarms: frozenset[str] = frozenset()
    unavailable_checks: tuple[str, ...] = ()
    mode = "normal"
    is_door_open = False
