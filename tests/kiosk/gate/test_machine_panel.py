"""The gate machine with an access-control panel: grants become card reads, the panel owns the door."""

from __future__ import annotations

from kiosk.gate.commands import Decision, Lock, Record, ReportCard, Say, Show, Unlock
from kiosk.gate.events import CheckReported, DoorOpened, ExitPressed, Outcome, Status, Tick
from kiosk.gate.machine import GateMachine
from kiosk.gate.policy import GatePolicy

POLICY = GatePolicy(
    checks=("credential", "face"),
    unlock_s=5.0,
    visit_timeout_s=20.0,
    held_open_alarm_s=30.0,
    exit_unlock_s=4.0,
    when_check_unavailable="deny",
    panel="osdp",
    cards={"holder-7f3a": 45678, "person-b2": 1001},
)


def passed(subject: str | None = None, holder_id: str | None = None) -> Outcome:
    return Outcome(Status.PASSED, "ok", "valid", "ok", subject=subject, holder_id=holder_id)


def decisions(commands: list) -> list[Decision]:
    return [c.decision for c in commands if isinstance(c, Record)]


def visit(machine: GateMachine, credential: Outcome, face: Outcome) -> list:
    machine.handle(CheckReported(1.0, "credential", credential))
    return machine.handle(CheckReported(2.0, "face", face))


def test_grant_is_reported_as_the_pass_holders_card_and_never_unlocks() -> None:
    machine = GateMachine(POLICY)
    commands = visit(machine, passed(subject="c0ffee", holder_id="holder-7f3a"), passed())
    [decision] = decisions(commands)
    assert decision.verdict == "granted"
    assert decision.detail.endswith("reported to the panel over osdp")
    assert ReportCard(45678, "osdp") in commands
    assert Show("Access granted. Please enter when the door opens.") in commands
    assert Say("Access granted. Please enter when the door opens.") in commands
    assert not any(isinstance(c, Unlock) for c in commands)
    assert not machine.is_unlocked


def test_recognised_person_without_a_pass_holder_reports_their_card() -> None:
    machine = GateMachine(POLICY)
    commands = visit(machine, passed(subject="c0ffee"), passed(subject="person-b2"))
    assert ReportCard(1001, "osdp") in commands


def test_grant_for_someone_without_a_card_number_is_a_denial_with_the_reason() -> None:
    machine = GateMachine(POLICY)
    commands = visit(machine, passed(subject="c0ffee", holder_id="holder-unknown"), passed())
    [decision] = decisions(commands)
    assert decision.verdict == "denied"
    assert decision.reasons == ("no-card-number",)
    assert "no card number configured for this person" in decision.detail
    assert "holder-unknown" not in decision.detail  # the pseudonym stays in the decision's own link fields
    assert decision.message == "Entry denied. No card is set up for you at this door. Please see a member of staff."
    assert Lock("denied") in commands
    assert not any(isinstance(c, (ReportCard, Unlock)) for c in commands)


def test_denied_visit_reports_nothing_to_the_panel() -> None:
    machine = GateMachine(POLICY)
    refused = Outcome(Status.FAILED, "face-mismatch", "face does not match", "Your face does not match this pass.")
    commands = visit(machine, passed(holder_id="holder-7f3a"), refused)
    assert decisions(commands)[0].verdict == "denied"
    assert not any(isinstance(c, ReportCard) for c in commands)


def test_exit_button_and_door_contact_are_left_to_the_panel() -> None:
    machine = GateMachine(POLICY)
    assert machine.handle(ExitPressed(1.0)) == []
    assert machine.handle(DoorOpened(2.0)) == []  # no forced-open alarm: the panel may have opened it
    assert machine.alarms == frozenset()
    assert machine.handle(Tick(100.0)) == []


def test_relay_mode_is_unchanged_by_a_card_table() -> None:
    machine = GateMachine(GatePolicy(**{**POLICY.__dict__, "panel": None}))
    commands = visit(machine, passed(holder_id="holder-7f3a"), passed())
    assert Unlock(5.0, "granted") in commands
    assert not any(isinstance(c, ReportCard) for c in commands)
