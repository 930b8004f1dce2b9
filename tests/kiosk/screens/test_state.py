"""The gate screen's state slot, fed by the real runner on simulated devices."""

from __future__ import annotations

import numpy as np

from hardware.camera import Frame, SimulatedCameraConfig
from hardware.camera.simulated import SimulatedCamera
from hardware.clock import ManualClock
from hardware.door import SimulatedDoorConfig
from hardware.door.simulated import SimulatedDoor
from hardware.errors import DeviceUnavailable
from hardware.feedback import SimulatedFeedbackConfig
from hardware.feedback.simulated import SimulatedFeedback
from kiosk.gate.commands import Command, StartVisit
from kiosk.gate.events import Outcome, Status
from kiosk.gate.machine import CLOCK_MESSAGE, GateMachine
from kiosk.gate.policy import GatePolicy
from kiosk.gate.runner import GateRunner
from kiosk.screens.catalogue import Translator
from kiosk.screens.state import GateScreenState
from tests.kiosk.gate.test_runner import FakeSource, ListRecorder

POLICY = GatePolicy(("credential", "temperature"), unlock_s=3.0, visit_timeout_s=10.0, held_open_alarm_s=20.0, exit_unlock_s=2.0, when_check_unavailable="deny", hold_s=2.0)
PASSED = Outcome(Status.PASSED, "credential-valid", "signature ok", "ok", subject="subject-7f3a", holder_id="holder-alice")


class Gate:
    """A runner with a credential and a temperature source, and the screen's slot on its own clock."""

    def __init__(self, language: str = "en", show_temperature: bool = False, camera: object | None = None) -> None:
        self.clock = ManualClock()
        self.screen_clock = ManualClock()
        self.door = SimulatedDoor(SimulatedDoorConfig(), self.clock)
        self.credential = FakeSource(checks=("credential",), needs_camera=True)
        self.temperature = FakeSource(checks=("temperature",), needs_camera=False)
        self.recorder = ListRecorder()
        self.screen = GateScreenState(Translator.for_language(language), POLICY.hold_s, show_temperature, 3.0, self.screen_clock)
        camera = camera if camera is not None else SimulatedCamera(SimulatedCameraConfig(), self.clock)
        feedback = SimulatedFeedback(SimulatedFeedbackConfig(), self.clock)
        sources = [self.credential, self.temperature]
        self.runner = GateRunner(GateMachine(POLICY), self.door, feedback, camera, sources, self.recorder, self.clock, self.screen)  # type: ignore[arg-type]
        self.runner.start()

    def step(self, seconds: float = 0.1) -> dict[str, object]:
        self.clock.advance(seconds)
        self.screen_clock.advance(seconds)
        self.runner.step()
        return self.screen.view()


def temperature(value_c: float | None, above: bool) -> Outcome:
    status = Status.FAILED if above else Status.PASSED
    message = "Your temperature is above the limit. Please see a member of staff." if above else "Temperature checked."
    return Outcome(status, "temperature-high" if above else "temperature-ok", "estimate", message, above_threshold=above, value_c=value_c)


def test_the_screen_follows_a_visit_from_the_pass_to_the_verdict() -> None:
    gate = Gate()
    idle = gate.step()
    assert (idle["gate"], idle["step"], idle["step_label"], idle["verdict"]) == ("serving", "credential", "Show your pass", None)
    gate.credential.queued.append(PASSED)
    asked = gate.step()
    assert (asked["step"], asked["message"]) == ("temperature", "Please hold still for the temperature check.")
    gate.temperature.queued.append(temperature(36.6, above=False))
    decided = gate.step()
    assert decided["verdict"] == {"verdict": "granted", "sentence": "Access granted. Please enter.", "temperature_c": None, "hold_ms": 2000}
    assert gate.door.is_unlocked


def test_a_verdict_is_taken_down_after_the_hold_time() -> None:
    gate = Gate()
    gate.credential.queued.append(PASSED)
    gate.step()
    gate.temperature.queued.append(temperature(None, above=True))
    assert gate.step()["verdict"]["verdict"] == "denied"  # type: ignore[index]
    gate.screen_clock.advance(1.9)
    assert gate.screen.view()["verdict"]["hold_ms"] == 100  # type: ignore[index]
    gate.screen_clock.advance(0.1)
    after = gate.screen.view()
    assert (after["verdict"], after["message"], after["step"]) == (None, "", "credential")


def test_the_screen_speaks_the_configured_language() -> None:
    gate = Gate(language="de")
    assert gate.step()["step_label"] == "Ausweis zeigen"
    gate.credential.queued.append(PASSED)
    gate.step()
    gate.temperature.queued.append(temperature(38.4, above=True))
    verdict = gate.step()["verdict"]
    assert verdict["sentence"] == "Zutritt verweigert. Ihre Temperatur liegt über dem Grenzwert. Bitte wenden Sie sich an das Personal."  # type: ignore[index]


def test_the_temperature_is_shown_only_where_the_config_allows() -> None:
    for allowed, shown in ((True, 36.6), (False, None)):
        gate = Gate(show_temperature=allowed)
        gate.credential.queued.append(PASSED)
        gate.step()
        gate.temperature.queued.append(temperature(36.6, above=False))
        assert gate.step()["verdict"]["temperature_c"] == shown  # type: ignore[index]


def test_nothing_about_who_is_at_the_gate_reaches_the_screen() -> None:
    gate = Gate(show_temperature=True)
    gate.credential.queued.append(PASSED)
    seen = [gate.step()]
    gate.temperature.queued.append(temperature(36.6, above=False))
    seen.append(gate.step())
    text = repr(seen)
    assert "subject-7f3a" not in text and "holder-alice" not in text and "signature ok" not in text


def test_a_silent_gate_loop_shows_out_of_service_and_no_verdict() -> None:
    gate = Gate()
    gate.credential.queued.append(PASSED)
    gate.step()
    gate.temperature.queued.append(temperature(None, above=False))
    assert gate.step()["verdict"] is not None
    gate.screen_clock.advance(3.1)  # the loop hung: no step for longer than stalled_after_s
    stalled = gate.screen.view()
    assert (stalled["gate"], stalled["verdict"], stalled["message"]) == ("stalled", None, "")


def test_a_stopped_service_shows_out_of_service_and_drops_the_picture() -> None:
    gate = Gate()
    gate.credential.queued.append(PASSED)
    gate.step()
    assert gate.screen.latest_frame()[1] is not None
    gate.runner.shut_down()
    gate.screen.stopped()
    assert gate.screen.view()["gate"] == "stopped"
    assert gate.screen.latest_frame()[1] is None


class UnpluggedCamera:
    def grab(self) -> Frame:
        raise DeviceUnavailable("camera unplugged")

    def close(self) -> None:
        pass


def test_a_camera_that_fails_is_reported_down_with_no_picture() -> None:
    gate = Gate(camera=UnpluggedCamera())
    view = gate.step()
    assert view["camera"] == "down"
    assert gate.screen.latest_frame()[1] is None


def test_the_latest_frame_is_handed_over_without_copying_the_loop() -> None:
    gate = Gate()
    gate.step()
    first_seq, frame = gate.screen.latest_frame()
    gate.step()
    assert gate.screen.latest_frame()[0] == first_seq + 1
    assert isinstance(frame, Frame) and isinstance(frame.image, np.ndarray)


class BrokenScreen:
    def command(self, command: Command) -> None:
        raise RuntimeError("template bug")

    def step(self, awaiting: str, frame: Frame | None, camera: str, mode: str, clock_fault: str | None) -> None:
        raise RuntimeError("template bug")


def test_a_failing_screen_never_stops_the_gate_or_opens_the_door() -> None:
    clock = ManualClock()
    door = SimulatedDoor(SimulatedDoorConfig(), clock)
    source = FakeSource(checks=("credential",), needs_camera=False)
    recorder = ListRecorder()
    policy = GatePolicy(("credential",), unlock_s=3.0, visit_timeout_s=10.0, held_open_alarm_s=20.0, exit_unlock_s=2.0, when_check_unavailable="deny")
    feedback = SimulatedFeedback(SimulatedFeedbackConfig(), clock)
    runner = GateRunner(GateMachine(policy), door, feedback, None, [source], recorder, clock, BrokenScreen())  # type: ignore[arg-type]
    runner.start()
    source.queued.append(Outcome(Status.FAILED, "credential-revoked", "revoked", "This pass has been revoked."))
    runner.step()
    assert [d.verdict for d in recorder.decisions] == ["denied"]
    assert not door.is_unlocked
    clock.advance(3.0)
    source.queued.append(PASSED)
    runner.step()
    assert [d.verdict for d in recorder.decisions] == ["denied", "granted"]
    assert door.is_unlocked


def test_a_new_visit_never_shows_the_last_visits_sentence() -> None:
    gate = Gate()
    gate.credential.queued.append(PASSED)
    gate.step()
    gate.temperature.queued.append(temperature(None, above=False))
    assert gate.step()["message"] == "Access granted. Please enter."
    gate.step(2.0)
    gate.screen.command(StartVisit(None))  # what the runner hands over when the next person shows a pass
    assert gate.screen.view()["message"] == ""


def test_the_operator_view_follows_the_relay_and_the_alarms() -> None:
    gate = Gate()
    gate.credential.queued.append(PASSED)
    gate.step()
    gate.temperature.queued.append(temperature(None, above=False))
    gate.step()
    live = gate.screen.operator_view()
    assert live == {"gate": "serving", "camera": "up", "door": "unlocked", "alarms": [], "mode": "normal", "clock_trusted": True, "clock_fault": None}
    gate.door.open_door()
    gate.step(25.0)  # longer than the held-open limit
    assert gate.screen.operator_view()["alarms"] == ["door-held-open"]
    gate.door.close_door()
    view = gate.step()
    assert gate.screen.operator_view()["alarms"] == [] and gate.screen.operator_view()["door"] == "locked"
    assert "alarms" not in view and "door" not in view, "the person's screen shows the verdict, not the relay"


# Modes: the screen invites a pass only while the gate would decide one ----------------------

CLOSED = {"kind": "lock-down", "title": "This entrance is closed.", "sentence": ""}
EVACUATING = {"kind": "evacuation", "title": "Evacuation: please leave the building.", "sentence": ""}
CLOCK_NOTICE = {"kind": "clock", "title": "Out of service", "sentence": CLOCK_MESSAGE}
CLOCK_FAULT = "the clock is unsynchronised (timedatectl: NTPSynchronized=no)"


def shown(view: dict[str, object]) -> tuple[object, object]:
    return view["notice"], view["step_label"]


def test_a_lock_down_closes_the_screen_until_it_is_lifted() -> None:
    gate = Gate()
    assert shown(gate.step()) == (None, "Show your pass")
    gate.runner.operator_command("lock-down")
    assert shown(gate.step()) == (CLOSED, "")
    gate.runner.operator_command("lift-lock-down")
    assert shown(gate.step()) == (None, "Show your pass")


def test_a_pass_refused_during_a_lock_down_gets_its_verdict_then_the_notice_again() -> None:
    gate = Gate()
    gate.runner.operator_command("lock-down")
    gate.step()
    gate.credential.queued.append(PASSED)
    refused = gate.step()
    assert refused["verdict"]["sentence"] == "Entry denied. This entrance is closed."  # type: ignore[index]
    gate.screen_clock.advance(POLICY.hold_s)
    after = gate.screen.view()
    assert (after["verdict"], after["notice"], after["message"]) == (None, CLOSED, "")


def test_an_evacuation_takes_down_a_verdict_and_ends_with_the_invitation() -> None:
    gate = Gate()
    gate.credential.queued.append(PASSED)
    gate.step()
    gate.temperature.queued.append(temperature(None, above=False))
    assert gate.step()["verdict"]["verdict"] == "granted"  # type: ignore[index]
    gate.runner.operator_command("evacuate")
    evacuating = gate.step()
    assert (evacuating["verdict"], evacuating["notice"], evacuating["step_label"]) == (None, EVACUATING, "")
    gate.runner.operator_command("end-evacuation")
    assert shown(gate.step()) == (None, "Show your pass")


def test_a_clock_that_cannot_be_trusted_puts_the_screen_out_of_service_until_it_can() -> None:
    gate = Gate()
    gate.step()
    gate.runner.clock_checked(CLOCK_FAULT)
    assert shown(gate.step()) == (CLOCK_NOTICE, "")
    gate.runner.clock_checked(None)
    assert shown(gate.step()) == (None, "Show your pass")


def test_an_evacuation_outranks_a_lock_down_which_outranks_a_clock_fault() -> None:
    gate = Gate()
    gate.runner.clock_checked(CLOCK_FAULT)
    gate.runner.operator_command("lock-down")
    assert gate.step()["notice"] == CLOSED
    gate.runner.operator_command("evacuate")
    assert gate.step()["notice"] == EVACUATING
    gate.runner.operator_command("end-evacuation")
    assert gate.step()["notice"] == CLOSED
    gate.runner.operator_command("lift-lock-down")
    assert gate.step()["notice"] == CLOCK_NOTICE


def test_a_notice_is_in_the_configured_language() -> None:
    gate = Gate(language="de")
    gate.runner.clock_checked(CLOCK_FAULT)
    assert gate.step()["notice"] == {
        "kind": "clock",
        "title": "Außer Betrieb",
        "sentence": "Die Uhr dieses Eingangs ist nicht gestellt, daher können Ausweise nicht geprüft werden. Bitte wenden Sie sich an das Personal.",
    }
    gate.runner.clock_checked(None)
    gate.runner.operator_command("evacuate")
    assert gate.step()["notice"]["title"] == "Evakuierung: Bitte verlassen Sie das Gebäude."  # type: ignore[index]


def test_a_notice_gives_way_to_out_of_service_when_the_loop_goes_silent() -> None:
    gate = Gate()
    gate.runner.operator_command("lock-down")
    gate.step()
    gate.screen_clock.advance(3.1)
    stalled = gate.screen.view()
    assert (stalled["gate"], stalled["notice"]) == ("stalled", None)


def test_the_operator_view_tells_the_mode_and_whether_the_gate_decides_by_its_clock() -> None:
    gate = Gate()
    before = gate.screen.operator_view()
    assert (before["mode"], before["clock_trusted"]) == ("unknown", None), "nothing is claimed before the loop's first turn"
    gate.step()
    gate.runner.operator_command("lock-down")
    gate.runner.clock_checked(CLOCK_FAULT)
    gate.step()
    live = gate.screen.operator_view()
    assert (live["mode"], live["clock_trusted"], live["clock_fault"]) == ("lock-down", False, CLOCK_FAULT)
    gate.runner.operator_command("lift-lock-down")
    gate.runner.clock_checked(None)
    gate.step()
    live = gate.screen.operator_view()
    assert (live["mode"], live["clock_trusted"], live["clock_fault"]) == ("normal", True, None)
