"""The gate machine driven event by event with explicit times: no threads, no sleeps."""

from __future__ import annotations

import pytest

from kiosk.gate.commands import ClearAlarm, Decision, Lock, Note, RaiseAlarm, Record, Show, StartVisit, Unlock
from kiosk.gate.events import CheckReported, ClockChecked, DoorClosed, DoorOpened, ExitPressed, OperatorCommand, Outcome, Status, Tick
from kiosk.gate.machine import WELCOME, GateMachine
from kiosk.gate.policy import GatePolicy

POLICY = GatePolicy(
    checks=("credential", "temperature"),
    unlock_s=5.0,
    visit_timeout_s=20.0,
    held_open_alarm_s=30.0,
    exit_unlock_s=4.0,
    when_check_unavailable="deny",
    hold_s=2.0,
)


def passed(subject: str = "ref-1", **extra: object) -> Outcome:
    return Outcome(Status.PASSED, "ok", "valid", "ok", subject=subject, **extra)  # type: ignore[arg-type]


def temperature(value_c: float, limit_c: float = 37.8) -> Outcome:
    if value_c >= limit_c:
        return Outcome(
            Status.FAILED,
            "temperature-high",
            f"{value_c:.1f} °C is at or above the {limit_c:.1f} °C limit",
            "Your temperature is above the limit. Please see staff.",
            above_threshold=True,
            value_c=value_c,
        )
    return Outcome(Status.PASSED, "temperature-ok", f"{value_c:.1f} °C is below the {limit_c:.1f} °C limit", "ok", above_threshold=False, value_c=value_c)


def decisions(commands: list) -> list[Decision]:
    return [c.decision for c in commands if isinstance(c, Record)]


def test_credential_then_normal_temperature_grants_and_unlocks_for_the_configured_time() -> None:
    machine = GateMachine(POLICY)
    first = machine.handle(CheckReported(1.0, "credential", passed()))
    assert StartVisit(None) in first
    assert Show("Please hold still for the temperature check.") in first
    commands = machine.handle(CheckReported(2.0, "temperature", temperature(36.6)))
    [decision] = decisions(commands)
    assert decision.verdict == "granted"
    assert decision.reasons == ("ok", "temperature-ok"), "a grant lists what each check found"
    assert decision.subject == "ref-1"
    assert decision.temperature_above is False
    assert Unlock(5.0, "granted") in commands
    assert machine.handle(Tick(6.9)) == []
    assert Lock("unlock-time-over") in machine.handle(Tick(7.0))


def test_fever_is_denied_with_reason_and_the_door_stays_locked() -> None:
    machine = GateMachine(POLICY)
    machine.handle(CheckReported(1.0, "credential", passed()))
    commands = machine.handle(CheckReported(2.0, "temperature", temperature(38.1)))
    [decision] = decisions(commands)
    assert decision.verdict == "denied"
    assert decision.reasons == ("temperature-high",)
    assert decision.detail == "DENIED temperature-high: 38.1 °C is at or above the 37.8 °C limit"
    assert not any(isinstance(c, Unlock) for c in commands)
    assert not machine.is_unlocked


def test_failed_credential_denies_at_once() -> None:
    machine = GateMachine(POLICY)
    forged = Outcome(Status.FAILED, "signature-invalid", "signature does not verify", "This pass is not genuine.")
    [decision] = decisions(machine.handle(CheckReported(1.0, "credential", forged)))
    assert decision.reasons == ("signature-invalid",)
    assert decision.message == "Entry denied. This pass is not genuine."


def test_checks_before_the_first_one_start_nothing() -> None:
    machine = GateMachine(POLICY)
    assert machine.handle(CheckReported(1.0, "temperature", temperature(36.5))) == []
    assert not machine.in_visit


def test_check_results_may_arrive_out_of_order_within_a_visit() -> None:
    policy = GatePolicy(**{**POLICY.__dict__, "checks": ("credential", "face", "temperature")})
    machine = GateMachine(policy)
    machine.handle(CheckReported(1.0, "credential", passed()))
    assert decisions(machine.handle(CheckReported(1.5, "temperature", temperature(36.4)))) == []
    [decision] = decisions(machine.handle(CheckReported(2.0, "face", passed())))
    assert decision.verdict == "granted"


def test_retry_prompts_and_keeps_waiting_and_never_undoes_a_pass() -> None:
    machine = GateMachine(POLICY)
    machine.handle(CheckReported(1.0, "credential", passed()))
    retry = Outcome(Status.RETRY, "remeasure", "37.6 °C in the re-measure band", "Please hold still, measuring again.")
    assert machine.handle(CheckReported(2.0, "temperature", retry)) == [Show("Please hold still, measuring again.")]
    assert machine.in_visit


def test_unfinished_visit_times_out_and_is_denied() -> None:
    machine = GateMachine(POLICY)
    machine.handle(CheckReported(1.0, "credential", passed()))
    [decision] = decisions(machine.handle(Tick(21.0)))
    assert decision.reasons == ("timeout",)
    assert "temperature not completed within 20 s" in decision.detail


def test_unavailable_sensor_denies_by_default() -> None:
    machine = GateMachine(POLICY)
    machine.handle(CheckReported(1.0, "credential", passed()))
    down = Outcome(Status.UNAVAILABLE, "sensor-offline", "no data for 2 s", "Temperature check unavailable.")
    [decision] = decisions(machine.handle(CheckReported(2.0, "temperature", down)))
    assert decision.verdict == "denied"
    assert decision.reasons == ("temperature-unavailable",)
    assert "temperature check unavailable" in decision.detail


def test_unavailable_sensor_in_operator_mode_calls_staff_and_stays_locked() -> None:
    machine = GateMachine(GatePolicy(**{**POLICY.__dict__, "when_check_unavailable": "operator"}))
    machine.handle(CheckReported(1.0, "credential", passed()))
    down = Outcome(Status.UNAVAILABLE, "sensor-offline", "no data for 2 s", "Temperature check unavailable.")
    commands = machine.handle(CheckReported(2.0, "temperature", down))
    [decision] = decisions(commands)
    assert decision.reasons == ("temperature-unavailable", "operator-required")
    assert "staff" in decision.message
    assert not any(isinstance(c, Unlock) for c in commands)


def test_no_new_visit_during_the_hold_after_a_decision() -> None:
    machine = GateMachine(POLICY)
    machine.handle(CheckReported(1.0, "credential", passed()))
    machine.handle(CheckReported(1.5, "temperature", temperature(36.5)))
    assert machine.handle(CheckReported(2.0, "credential", passed("ref-2"))) == []
    assert StartVisit(None) in machine.handle(CheckReported(3.6, "credential", passed("ref-2")))


def test_a_new_credential_mid_visit_abandons_the_first_visit() -> None:
    machine = GateMachine(POLICY)
    machine.handle(CheckReported(1.0, "credential", passed("ref-1")))
    commands = machine.handle(CheckReported(2.0, "credential", passed("ref-2")))
    [decision] = decisions(commands)
    assert decision.reasons == ("visit-abandoned",)
    assert decision.subject == "ref-1"


def test_door_closing_after_entry_relocks_at_once() -> None:
    machine = GateMachine(POLICY)
    machine.handle(CheckReported(1.0, "credential", passed()))
    machine.handle(CheckReported(1.5, "temperature", temperature(36.5)))
    assert machine.handle(DoorOpened(2.0)) == []
    assert Lock("door-closed") in machine.handle(DoorClosed(3.0))
    assert not machine.is_unlocked


def test_door_opened_while_locked_raises_forced_open_and_closing_clears_it() -> None:
    machine = GateMachine(POLICY)
    commands = machine.handle(DoorOpened(1.0))
    assert any(isinstance(c, RaiseAlarm) and c.kind == "door-forced-open" for c in commands)
    assert ClearAlarm("door-forced-open") in machine.handle(DoorClosed(2.0))
    assert machine.alarms == frozenset()


def test_door_held_open_raises_an_alarm_once_after_the_limit() -> None:
    machine = GateMachine(POLICY)
    machine.handle(ExitPressed(0.0))
    machine.handle(DoorOpened(1.0))
    assert not any(isinstance(c, RaiseAlarm) for c in machine.handle(Tick(30.9)))
    alarms = [c for c in machine.handle(Tick(31.0)) if isinstance(c, RaiseAlarm)]
    assert [a.kind for a in alarms] == ["door-held-open"]
    assert not any(isinstance(c, RaiseAlarm) for c in machine.handle(Tick(40.0)))
    assert ClearAlarm("door-held-open") in machine.handle(DoorClosed(41.0))


def test_exit_button_unlocks_for_the_exit_time_and_is_noted() -> None:
    machine = GateMachine(POLICY)
    commands = machine.handle(ExitPressed(1.0))
    assert Unlock(4.0, "exit-button") in commands
    assert any(isinstance(c, Note) and c.kind == "exit-button" for c in commands)
    assert decisions(commands) == []
    assert Lock("unlock-time-over") in machine.handle(Tick(5.0))


def test_checks_outside_the_policy_are_ignored() -> None:
    machine = GateMachine(POLICY)
    assert machine.handle(CheckReported(1.0, "face", passed())) == []


def test_start_drives_the_lock() -> None:
    assert Lock("start-up") in GateMachine(POLICY).start()


def test_the_machine_listens_to_the_first_check_between_visits_and_to_all_during_one() -> None:
    machine = GateMachine(POLICY)
    assert machine.listens_to("credential", 0.0) and not machine.listens_to("temperature", 0.0)
    machine.handle(CheckReported(1.0, "credential", passed()))
    assert machine.listens_to("temperature", 1.5)
    machine.handle(CheckReported(1.5, "temperature", temperature(36.5)))
    assert not machine.listens_to("credential", 2.0), "the verdict is still held"
    assert machine.listens_to("credential", 3.5)


def test_a_new_visit_relocks_a_lock_still_released_for_the_previous_grant() -> None:
    machine = GateMachine(POLICY)
    machine.handle(CheckReported(1.0, "credential", passed("ref-1")))
    machine.handle(CheckReported(1.5, "temperature", temperature(36.5)))
    assert machine.is_unlocked
    commands = machine.handle(CheckReported(3.6, "credential", passed("ref-2")))
    assert commands[0] == Lock("new-visit"), "the lock is driven before the new visit starts"
    assert StartVisit(None) in commands
    assert not machine.is_unlocked


def test_a_new_visit_relocks_a_lock_released_by_the_exit_button() -> None:
    machine = GateMachine(POLICY)
    machine.handle(ExitPressed(1.0))
    assert Lock("new-visit") in machine.handle(CheckReported(2.0, "credential", passed()))
    assert not machine.is_unlocked


def test_a_stranger_denied_right_after_a_grant_is_denied_behind_a_locked_door() -> None:
    policy = GatePolicy(**{**POLICY.__dict__, "checks": ("credential", "face")})
    machine = GateMachine(policy)
    relay_unlocked = False
    mismatch = Outcome(Status.FAILED, "face-mismatch", "face does not match the pass holder", "Your face does not match this pass.")
    script = [
        CheckReported(0.0, "credential", passed("alice")),
        CheckReported(0.5, "face", passed("alice")),
        CheckReported(4.0, "credential", passed("stranger")),
        CheckReported(4.5, "face", mismatch),
    ]
    for event in script:
        for command in machine.handle(event):
            relay_unlocked = isinstance(command, Unlock) or (relay_unlocked and not isinstance(command, Lock))
            if isinstance(command, Record) and command.decision.verdict == "denied":
                assert not relay_unlocked, f"denied at {event.at} s while the lock was released"
    assert not relay_unlocked


def test_a_denial_relocks_a_lock_released_during_the_visit() -> None:
    machine = GateMachine(POLICY)
    machine.handle(CheckReported(1.0, "credential", passed()))
    machine.handle(ExitPressed(1.5))
    assert machine.is_unlocked
    commands = machine.handle(CheckReported(2.0, "temperature", temperature(38.4)))
    assert commands[0] == Lock("denied"), "the lock is driven before the denial is shown"
    assert not machine.is_unlocked


def test_a_policy_with_a_nan_or_infinite_unlock_time_cannot_be_built() -> None:
    for field in ("unlock_s", "exit_unlock_s", "hold_s"):
        for value in (float("nan"), float("inf")):
            with pytest.raises(ValueError, match="expected finite seconds"):
                GatePolicy(**{**POLICY.__dict__, field: value})


def test_an_untrusted_clock_denies_every_visit_with_a_plain_sentence_until_trusted_again() -> None:
    machine = GateMachine(POLICY)
    note, shown = machine.handle(ClockChecked(0.5, "the clock is unsynchronised (timedatectl: NTPSynchronized=no)"))
    assert note == Note("clock", "not trusted: the clock is unsynchronised (timedatectl: NTPSynchronized=no); every visit is denied clock-unsynchronised")
    assert shown == Show("Out of service: This gate's clock is not set, so passes cannot be checked. Please see a member of staff.")
    commands = machine.handle(CheckReported(1.0, "credential", passed()))
    [decision] = decisions(commands)
    assert decision.reasons == ("clock-unsynchronised",) and Lock("denied") in commands
    assert decision.message == "Entry denied. This gate's clock is not set, so passes cannot be checked. Please see a member of staff."
    assert machine.handle(ClockChecked(2.0, "the clock is unsynchronised (timedatectl: NTPSynchronized=no)")) == [], "a repeat changes nothing"
    assert machine.handle(ClockChecked(10.0, None)) == [Note("clock", "trusted again: visits are decided"), Show(WELCOME)]
    machine.handle(CheckReported(11.0, "credential", passed()))
    assert decisions(machine.handle(CheckReported(12.0, "temperature", temperature(36.5))))[0].verdict == "granted"


def test_a_clock_that_goes_bad_mid_visit_denies_that_visit_and_the_exit_button_still_works() -> None:
    machine = GateMachine(POLICY)
    machine.handle(CheckReported(1.0, "credential", passed()))
    [decision] = decisions(machine.handle(ClockChecked(2.0, "the clock is unknown (no tool answers)")))
    assert decision.reasons == ("clock-unsynchronised",)
    assert any(isinstance(c, Unlock) for c in machine.handle(ExitPressed(5.0)))


def test_during_a_lock_down_a_clock_fault_and_its_end_leave_the_closed_sentence_on_the_display() -> None:
    machine = GateMachine(POLICY)
    machine.handle(OperatorCommand(0.5, "lock-down"))
    assert not any(isinstance(c, Show) for c in machine.handle(ClockChecked(1.0, "the clock is unknown (no tool answers)")))
    assert not any(isinstance(c, Show) for c in machine.handle(ClockChecked(2.0, None)))
