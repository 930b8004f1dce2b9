"""The door state the gate reports follows the machine: an alarm outranks the relay."""

from __future__ import annotations

import json

from kiosk.config.schema import GateConfig
from kiosk.fleet.state import door_state
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
