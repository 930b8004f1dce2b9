"""Verified operator commands in the gate machine: lock-down keeps the door locked, evacuation is explicit."""

from __future__ import annotations

from kiosk.gate.commands import Lock, Note, Unlock
from kiosk.gate.events import CheckReported, DoorClosed, DoorOpened, ExitPressed, OperatorCommand, Tick
from kiosk.gate.machine import GateMachine
from tests.kiosk.gate.test_machine import POLICY, decisions, passed, temperature


def test_lock_down_refuses_a_valid_visitor_and_remote_unlocks_until_lifted() -> None:
    machine = GateMachine(POLICY)
    commands = machine.handle(OperatorCommand(1.0, "lock-down"))
    assert Lock("lock-down") in commands and machine.mode == "lock-down"
    refused = machine.handle(CheckReported(2.0, "credential", passed()))
    [decision] = decisions(refused)
    assert (decision.verdict, decision.reasons, decision.subject) == ("denied", ("locked-down",), "ref-1")
    assert not any(isinstance(c, Unlock) for c in refused)
    assert machine.handle(OperatorCommand(6.0, "unlock-once")) == [Note("remote-unlock", "refused during lock-down")]
    assert not machine.is_unlocked
    machine.handle(OperatorCommand(7.0, "lift-lock-down"))
    machine.handle(CheckReported(10.0, "credential", passed()))
    assert decisions(machine.handle(CheckReported(11.0, "temperature", temperature(36.5))))[0].verdict == "granted"


def test_the_exit_button_still_releases_the_lock_during_a_lock_down_free_egress() -> None:
    machine = GateMachine(POLICY)
    machine.handle(OperatorCommand(1.0, "lock-down"))
    released = machine.handle(ExitPressed(5.0))
    assert Unlock(POLICY.exit_unlock_s, "exit-button") in released
    assert Note("exit-button", f"lock released for {POLICY.exit_unlock_s:g} s (free egress during the lock-down)") in released
    machine.handle(DoorOpened(6.0))
    assert "door-forced-open" not in machine.alarms, "leaving through the released door is not a forced door"
    assert Lock("door-closed") in machine.handle(DoorClosed(7.0)), "relocked behind the person who left"
    assert machine.mode == "lock-down" and not machine.is_unlocked
    [decision] = decisions(machine.handle(CheckReported(12.0, "credential", passed())))
    assert decision.reasons == ("locked-down",), "entry is still refused"


def test_lock_down_denies_the_visit_in_progress() -> None:
    machine = GateMachine(POLICY)
    machine.handle(CheckReported(1.0, "credential", passed()))
    [decision] = decisions(machine.handle(OperatorCommand(2.0, "lock-down")))
    assert decision.reasons == ("locked-down",)


def test_unlock_once_releases_for_the_unlock_time_and_relocks_after_one_opening() -> None:
    machine = GateMachine(POLICY)
    assert Unlock(5.0, "remote-unlock") in machine.handle(OperatorCommand(1.0, "unlock-once"))
    machine.handle(DoorOpened(2.0))
    assert Lock("door-closed") in machine.handle(DoorClosed(3.0))


def test_evacuation_holds_the_lock_released_without_alarms_until_it_is_ended() -> None:
    machine = GateMachine(POLICY)
    commands = machine.handle(OperatorCommand(1.0, "evacuate"))
    assert Unlock(float("inf"), "evacuation") in commands and machine.mode == "evacuation"
    machine.handle(DoorOpened(2.0))
    assert machine.handle(Tick(500.0)) == [], "no held-open alarm, no relock during an evacuation"
    assert machine.handle(DoorClosed(501.0)) == []
    assert machine.handle(CheckReported(502.0, "credential", passed())) == [], "no visit starts"
    assert machine.is_unlocked
    assert Lock("evacuation-ended") in machine.handle(OperatorCommand(600.0, "end-evacuation"))
    assert not machine.is_unlocked


def test_a_lock_down_during_an_evacuation_waits_for_its_end() -> None:
    machine = GateMachine(POLICY)
    machine.handle(OperatorCommand(1.0, "evacuate"))
    machine.handle(OperatorCommand(2.0, "lock-down"))
    assert machine.is_unlocked
    machine.handle(OperatorCommand(3.0, "end-evacuation"))
    assert (machine.is_unlocked, machine.mode) == (False, "lock-down")
