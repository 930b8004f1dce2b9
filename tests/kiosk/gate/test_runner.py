"""The runner on simulated devices with a hand-written check source: a whole visit in simulated time."""

from __future__ import annotations

from dataclasses import dataclass, field

from hardware.camera import Frame, SimulatedCameraConfig
from hardware.camera.simulated import SimulatedCamera
from hardware.clock import ManualClock
from hardware.door import SimulatedDoorConfig
from hardware.door.simulated import SimulatedDoor
from hardware.errors import DeviceUnavailable
from hardware.feedback import SimulatedFeedbackConfig
from hardware.feedback.simulated import SimulatedFeedback
from kiosk.gate.commands import Decision
from kiosk.gate.events import Outcome, Status
from kiosk.gate.machine import GateMachine
from kiosk.gate.policy import GatePolicy
from kiosk.gate.runner import GateRunner

POLICY = GatePolicy(("credential",), unlock_s=3.0, visit_timeout_s=10.0, held_open_alarm_s=20.0, exit_unlock_s=2.0, when_check_unavailable="deny")


@dataclass
class FakeSource:
    """Reports queued outcomes on the next poll; remembers the frames and visits it saw."""

    checks: tuple[str, ...] = ("credential",)
    needs_camera: bool = True
    queued: list[Outcome] = field(default_factory=list)
    frames_seen: int = 0
    visits: list[str | None] = field(default_factory=list)
    closed: bool = False

    def poll(self, now: float, frame: Frame | None, listening: bool) -> list[tuple[str, Outcome]]:
        self.frames_seen += frame is not None
        if not listening:
            return []
        queued, self.queued = self.queued, []
        return [(self.checks[0], outcome) for outcome in queued]

    def start_visit(self, holder_id: str | None) -> None:
        self.visits.append(holder_id)

    def close(self) -> None:
        self.closed = True


@dataclass
class ListRecorder:
    decisions: list[Decision] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)

    def decision(self, decision: Decision, wall: float) -> None:
        self.decisions.append(decision)

    def note(self, kind: str, detail: str, wall: float) -> None:
        self.notes.append((kind, detail))


class BrokenCamera:
    def grab(self) -> Frame:
        raise DeviceUnavailable("camera unplugged")

    def close(self) -> None:
        pass


def make_runner(clock: ManualClock, camera: object | None = None) -> tuple[GateRunner, SimulatedDoor, FakeSource, ListRecorder, SimulatedFeedback]:
    door = SimulatedDoor(SimulatedDoorConfig(), clock)
    feedback = SimulatedFeedback(SimulatedFeedbackConfig(), clock)
    source = FakeSource()
    recorder = ListRecorder()
    if camera is None:
        camera = SimulatedCamera(SimulatedCameraConfig(), clock)
    runner = GateRunner(GateMachine(POLICY), door, feedback, camera, [source], recorder, clock)  # type: ignore[arg-type]
    return runner, door, source, recorder, feedback


def relay_edges(door: SimulatedDoor) -> list[tuple[float, bool]]:
    return [(e.at, e.active) for e in door.edges if e.name == "relay"]


def test_grant_unlocks_then_relocks_after_the_unlock_time(clock: ManualClock) -> None:
    runner, door, source, recorder, feedback = make_runner(clock)
    runner.start()
    source.queued.append(Outcome(Status.PASSED, "valid", "signature ok", "ok", holder_id="h-1"))
    clock.advance(1.0)
    runner.step()
    assert [d.verdict for d in recorder.decisions] == ["granted"]
    assert source.visits == ["h-1"]
    assert door.is_unlocked
    clock.advance(3.0)
    runner.step()
    assert relay_edges(door) == [(0.0, False), (1.0, True), (4.0, False)]
    assert any(p.text == "Access granted. Please enter." for p in feedback.prompts)
    assert recorder.notes[0] == ("start-up", "relay driven locked")


def test_exit_button_from_the_door_inputs_unlocks(clock: ManualClock) -> None:
    runner, door, source, recorder, _ = make_runner(clock)
    runner.start()
    door.press_exit_button()
    runner.step()
    assert door.is_unlocked
    assert ("exit-button", "lock released for 2 s") in recorder.notes


def test_camera_failure_is_reported_once_and_denies_a_visit_in_progress(clock: ManualClock) -> None:
    policy_checks = ("credential", "face")
    door = SimulatedDoor(SimulatedDoorConfig(), clock)
    credential = FakeSource(checks=("credential",), needs_camera=False)
    face = FakeSource(checks=("face",), needs_camera=True)
    recorder = ListRecorder()
    machine = GateMachine(GatePolicy(**{**POLICY.__dict__, "checks": policy_checks}))
    runner = GateRunner(machine, door, SimulatedFeedback(SimulatedFeedbackConfig(), clock), BrokenCamera(), [credential, face], recorder, clock)  # type: ignore[arg-type]
    credential.queued.append(Outcome(Status.PASSED, "valid", "ok", "ok"))
    runner.step()
    [decision] = recorder.decisions
    assert decision.reasons == ("face-unavailable",)
    clock.advance(5.0)
    runner.step()
    assert len(recorder.decisions) == 1, "the failure is reported once, not on every turn"
    credential.queued.append(Outcome(Status.PASSED, "valid", "ok", "ok"))
    runner.step()
    clock.advance(0.1)
    runner.step()
    assert [d.reasons for d in recorder.decisions] == [("face-unavailable",), ("face-unavailable",)], "a later visit hears it too"
    assert not door.is_unlocked


def test_shut_down_locks_records_and_closes_everything_once(clock: ManualClock) -> None:
    runner, door, source, recorder, _ = make_runner(clock)
    runner.start()
    door.press_exit_button()
    runner.step()
    runner.shut_down()
    runner.shut_down()
    assert not door.is_unlocked
    assert source.closed
    assert [kind for kind, _ in recorder.notes].count("shut-down") == 1
