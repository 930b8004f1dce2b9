"""The gate's safety property, over random event sequences and random valid policies (hypothesis).

The relay is unlocked only within `unlock_s` after a grant or `exit_unlock_s` after an exit press,
is locked whenever a denial is recorded and stays locked after it until the next grant or exit
press, and the runner leaves it locked however serving ends. Derandomized, so every run checks the
same examples.
"""

from __future__ import annotations

import contextlib
import socket
from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hardware.camera import Frame
from hardware.clock import ManualClock
from hardware.door import SimulatedDoorConfig
from hardware.door.simulated import SimulatedDoor
from hardware.feedback import SimulatedFeedbackConfig
from hardware.feedback.simulated import SimulatedFeedback
from kiosk.gate.commands import Command, Decision, Lock, Record, StartVisit, Unlock
from kiosk.gate.events import CheckReported, DoorClosed, DoorOpened, Event, ExitPressed, Outcome, Status, Tick
from kiosk.gate.machine import GateMachine
from kiosk.gate.policy import GatePolicy
from kiosk.gate.runner import GateRunner

CHECKS = ("credential", "face", "mask", "temperature")
PROPERTY = settings(derandomize=True, deadline=None, max_examples=300, suppress_health_check=[HealthCheck.too_slow])


def seconds(low: float, high: float) -> st.SearchStrategy[float]:
    return st.floats(low, high, allow_nan=False, allow_infinity=False)


policies = st.builds(
    GatePolicy,
    checks=st.lists(st.sampled_from(CHECKS), min_size=1, max_size=4, unique=True).map(tuple),
    unlock_s=seconds(0.5, 60),
    visit_timeout_s=seconds(2, 300),
    held_open_alarm_s=seconds(1, 3600),
    exit_unlock_s=seconds(0.5, 60),
    when_check_unavailable=st.sampled_from(["deny", "operator"]),
    hold_s=seconds(0, 30),
)

outcomes = st.builds(
    Outcome,
    status=st.sampled_from(list(Status)),
    reason=st.sampled_from(["ok", "bad", "sensor-offline"]),
    detail=st.just("detail"),
    message=st.just("message"),
    subject=st.sampled_from([None, "ref-a", "ref-b"]),
)

# (seconds since the previous event, what happens): every kind of input the machine takes.
steps = st.lists(
    st.tuples(
        seconds(0, 40),
        st.one_of(
            st.tuples(st.just("check"), st.sampled_from(CHECKS + ("unknown",)), outcomes),
            st.tuples(st.sampled_from(["open", "close", "exit", "tick"])),
        ),
    ),
    max_size=60,
)


def as_event(at: float, action: tuple) -> Event:
    kind = action[0]
    if kind == "check":
        return CheckReported(at, action[1], action[2])
    return {"open": DoorOpened, "close": DoorClosed, "exit": ExitPressed, "tick": Tick}[kind](at)


@dataclass
class Relay:
    """What the relay would be after carrying out the machine's commands, checked against what is allowed."""

    policy: GatePolicy
    unlocked: bool = False
    allowed_until: float = float("-inf")

    def carry_out(self, at: float, event: Event, commands: list[Command]) -> None:
        longest = max(self.policy.unlock_s, self.policy.exit_unlock_s)
        if isinstance(event, ExitPressed):
            self.allowed_until = max(self.allowed_until, at + self.policy.exit_unlock_s)
        for command in commands:
            if isinstance(command, Unlock):
                assert command.for_s <= longest
                self.unlocked = True
            elif isinstance(command, Lock):
                self.unlocked = False
            elif isinstance(command, StartVisit):
                self.allowed_until = float("-inf")  # a new person: nobody else's release counts any more
            elif isinstance(command, Record) and command.decision.verdict == "denied":
                assert not self.unlocked, f"denied at {at} s while the lock was released"
                self.allowed_until = float("-inf")
            elif isinstance(command, Record):
                assert set(command.decision.checks) == set(self.policy.checks)
                assert set(command.decision.checks.values()) == {"passed"}, "a grant needs every check passed"
                self.allowed_until = max(self.allowed_until, at + self.policy.unlock_s)
        if self.unlocked:
            assert at < self.allowed_until, f"relay unlocked at {at} s, allowed only until {self.allowed_until} s"


@PROPERTY
@given(policy=policies, script=steps)
def test_relay_is_released_only_within_the_window_of_a_grant_or_exit_press(policy: GatePolicy, script: list) -> None:
    machine = GateMachine(policy)
    relay = Relay(policy)
    at = 0.0
    relay.carry_out(at, Tick(at), machine.start())
    for gap, action in script:
        at += gap
        event = as_event(at, action)
        relay.carry_out(at, event, machine.handle(event))
        assert relay.unlocked == machine.is_unlocked


# The runner on simulated devices ------------------------------------------------------------


@dataclass
class ScriptedSource:
    """Reports the outcomes the script queues for its checks; raises on request, like a capability with a bug."""

    checks: tuple[str, ...] = CHECKS
    needs_camera: bool = False
    queued: list[tuple[str, Outcome]] = field(default_factory=list)
    fail: bool = False

    def poll(self, now: float, frame: Frame | None, listening: bool) -> list[tuple[str, Outcome]]:
        if self.fail:
            raise RuntimeError("capability crashed")
        queued, self.queued = self.queued, []
        return queued

    def start_visit(self, holder_id: str | None) -> None:
        pass

    def close(self) -> None:
        pass


@dataclass
class DoorWatchingRecorder:
    """Keeps each decision with whether the relay was unlocked at the moment it was recorded."""

    door: SimulatedDoor
    decisions: list[tuple[Decision, bool]] = field(default_factory=list)

    def decision(self, decision: Decision, wall: float) -> None:
        self.decisions.append((decision, self.door.is_unlocked))

    def note(self, kind: str, detail: str, wall: float) -> None:
        pass


class Crash(Exception):
    """Raised by the test's housekeeping, as an unexpected error inside the serving loop would be."""


runner_steps = st.lists(
    st.tuples(
        seconds(0, 8),
        st.one_of(
            st.tuples(st.just("check"), st.sampled_from(CHECKS), outcomes),
            st.tuples(st.sampled_from(["open", "close", "exit", "nothing"])),
        ),
    ),
    max_size=40,
)
endings = st.sampled_from(["stop-request", "housekeeping-error", "capability-error", "interrupt"])


@settings(derandomize=True, deadline=None, max_examples=120, suppress_health_check=[HealthCheck.too_slow])
@given(policy=policies, script=runner_steps, ending=endings)
def test_the_runner_leaves_the_relay_locked_however_serving_ends(policy: GatePolicy, script: list, ending: str) -> None:
    clock = ManualClock()
    door = SimulatedDoor(SimulatedDoorConfig(), clock)
    source = ScriptedSource()
    recorder = DoorWatchingRecorder(door)
    runner = GateRunner(GateMachine(policy), door, SimulatedFeedback(SimulatedFeedbackConfig(), clock), None, [source], recorder, clock)
    pending = list(script)
    stop_reader, stop_writer = socket.socketpair()

    def drive() -> None:
        """Runs after each loop turn: the next scripted action, then the chosen ending once the script is done."""
        if not pending:
            if ending == "stop-request":
                stop_writer.send(b"\x0f")
            elif ending == "housekeeping-error":
                raise Crash("housekeeping failed")
            elif ending == "capability-error":
                source.fail = True
            else:
                raise KeyboardInterrupt
            return
        gap, action = pending.pop(0)
        clock.advance(gap)
        if action[0] == "check":
            source.queued.append((action[1], action[2]))
        elif action[0] == "open":
            door.open_door()
        elif action[0] == "close":
            door.close_door()
        elif action[0] == "exit":
            door.press_exit_button()

    runner.start()
    try:
        with pytest.raises((Crash, RuntimeError, KeyboardInterrupt)) if ending != "stop-request" else contextlib.nullcontext():
            runner.serve(stop_reader, period_s=0.0, housekeeping=drive)
    finally:
        stop_reader.close()
        stop_writer.close()
    relay = [edge for edge in door.edges if edge.name == "relay"]
    assert not door.is_unlocked and not relay[-1].active, f"relay left unlocked after ending by {ending}"
    for decision, unlocked in recorder.decisions:
        assert not (decision.verdict == "denied" and unlocked), f"denied at {decision.at} s while the relay was unlocked"
