"""The runner with an access-control panel: what reaches the panel, the audit, the person and the relay."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from hardware.clock import ManualClock
from hardware.door import SimulatedDoorConfig
from hardware.door.simulated import SimulatedDoor
from hardware.feedback import SimulatedFeedbackConfig
from hardware.feedback.simulated import SimulatedFeedback
from hardware.osdp import OsdpConfig, open_osdp_peripheral
from hardware.wiegand import SimulatedWiegandConfig
from hardware.wiegand.simulated import SimulatedWiegandOutput
from kiosk.gate.events import Outcome, Status
from kiosk.gate.machine import GateMachine
from kiosk.gate.policy import GatePolicy
from kiosk.gate.runner import PANEL_DOWN_MESSAGE, GateRunner, PanelLink
from kiosk.panel.config import PanelConfig
from kiosk.panel.link import OsdpPanel, WiegandPanel
from tests.kiosk.gate.test_runner import FakeSource, ListRecorder

CARDS = {"holder-7f3a": 45678}
PANEL = PanelConfig(card_bits=26, facility_code=123, cards=CARDS)
SCBK_HEX = "000102030405060708090a0b0c0d0e0f"
GRANTED = "Access granted. Please enter when the door opens."


def make_runner(clock: ManualClock, panel: PanelLink, over: str) -> tuple[GateRunner, SimulatedDoor, FakeSource, ListRecorder, SimulatedFeedback]:
    policy = GatePolicy(("credential",), unlock_s=3.0, visit_timeout_s=10.0, held_open_alarm_s=20.0, exit_unlock_s=2.0,
                        when_check_unavailable="deny", panel=over, cards=CARDS)
    door = SimulatedDoor(SimulatedDoorConfig(), clock)
    feedback = SimulatedFeedback(SimulatedFeedbackConfig(), clock)
    source = FakeSource(needs_camera=False)
    recorder = ListRecorder()
    runner = GateRunner(GateMachine(policy), door, feedback, None, [source], recorder, clock, panel=panel)
    runner.start()
    return runner, door, source, recorder, feedback


def pass_of(holder_id: str) -> Outcome:
    return Outcome(Status.PASSED, "credential-valid", "kiosk-pass signature verified", "Valid pass.", subject="c0ffee", holder_id=holder_id)


def wiegand_bits(output: SimulatedWiegandOutput) -> str:
    return "".join("1" if edge.line == "D1" else "0" for edge in output.edges if edge.low)


def test_wiegand_grant_sends_the_card_audits_it_and_leaves_the_relay_locked(clock: ManualClock) -> None:
    output = SimulatedWiegandOutput(SimulatedWiegandConfig(), clock)
    runner, door, source, recorder, feedback = make_runner(clock, WiegandPanel(output, PANEL), "wiegand")
    source.queued.append(pass_of("holder-7f3a"))
    clock.advance(1.0)
    runner.step()
    bits = wiegand_bits(output)
    assert (int(bits[1:9], 2), int(bits[9:25], 2)) == (123, 45678)
    assert recorder.decisions[-1].verdict == "granted"
    assert ("panel-report", "reported card 45678 (facility 123, 26-bit) over wiegand") in recorder.notes
    assert [e for e in door.edges if e.name == "relay"] == [door.edges[0]] and not door.is_unlocked
    assert GRANTED in [p.text for p in feedback.prompts if p.kind == "show"]
    assert GRANTED in [p.text for p in feedback.prompts if p.kind == "say"]


def test_grant_without_a_card_number_is_denied_and_nothing_reaches_the_panel(clock: ManualClock) -> None:
    output = SimulatedWiegandOutput(SimulatedWiegandConfig(), clock)
    runner, door, source, recorder, feedback = make_runner(clock, WiegandPanel(output, PANEL), "wiegand")
    source.queued.append(pass_of("holder-0000"))
    clock.advance(1.0)
    runner.step()
    assert output.edges == []
    assert recorder.decisions[-1].reasons == ("no-card-number",)
    assert not any(kind.startswith("panel-report") for kind, _ in recorder.notes)
    assert not door.is_unlocked


@pytest.fixture
def scbk_file(tmp_path: Path) -> Path:
    path = tmp_path / "scbk.hex"
    path.write_text(SCBK_HEX)
    return path


def test_report_to_an_unreachable_osdp_panel_is_audited_and_told(clock: ManualClock, scbk_file: Path) -> None:
    pytest.importorskip("osdp", reason="libosdp is not installed (pip install 'gatekeeper-kiosk[panel]')")
    master, slave = os.openpty()  # nobody polls on the other end: no panel, no secure channel
    try:
        reader = open_osdp_peripheral(OsdpConfig(port=os.ttyname(slave), scbk_file=scbk_file), clock)
        runner, door, source, recorder, feedback = make_runner(clock, OsdpPanel(reader, PANEL), "osdp")
        source.queued.append(pass_of("holder-7f3a"))
        clock.advance(1.0)
        runner.step()
        [(kind, detail)] = [note for note in recorder.notes if note[0].startswith("panel-report")]
        assert kind == "panel-report-failed"
        assert detail.startswith("card 45678 over osdp: osdp: no panel is polling this reader")
        assert feedback.prompts[-1].text == PANEL_DOWN_MESSAGE
        assert door.edges[-1].name == "red" and door.edges[-1].active
        assert not door.is_unlocked
        runner.shut_down()
    finally:
        os.close(master)
        os.close(slave)


@pytest.fixture
def osdp_pair(clock: ManualClock, scbk_file: Path) -> Iterator[tuple[OsdpPanel, object]]:
    osdp = pytest.importorskip("osdp", reason="libosdp is not installed (pip install 'gatekeeper-kiosk[panel]')")
    from hardware.osdp.libosdp_peripheral import StreamChannel
    from tests.hardware.test_osdp_peripheral import MasterSide

    master, slave = os.openpty()
    reader = open_osdp_peripheral(OsdpConfig(port=os.ttyname(slave), address=1, scbk_file=scbk_file), clock)
    channel = StreamChannel(MasterSide(master))
    control_panel = osdp.ControlPanel([osdp.PDInfo(1, channel, scbk=bytes.fromhex(SCBK_HEX), flags=[osdp.LibFlag.EnforceSecure])],
                                      log_level=osdp.LogLevel.Error)
    control_panel.start()
    try:
        yield OsdpPanel(reader, PANEL), control_panel
    finally:
        control_panel.teardown()
        channel.close()
        os.close(slave)


def wait_for(condition: Callable[[], object], what: str, wait_s: float = 10.0) -> object:
    deadline = time.monotonic() + wait_s
    while not (value := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {wait_s} s")
        time.sleep(0.01)
    return value


def test_osdp_grant_reaches_the_panel_and_the_panels_answer_reaches_the_person(clock: ManualClock, osdp_pair) -> None:
    import osdp

    panel, control_panel = osdp_pair
    runner, door, source, recorder, feedback = make_runner(clock, panel, "osdp")
    wait_for(lambda: control_panel.is_sc_active(1), "secure channel")
    source.queued.append(pass_of("holder-7f3a"))
    clock.advance(1.0)
    runner.step()
    event = wait_for(lambda: control_panel.get_event(1, timeout=0), "card read at the panel")
    bits = "".join(f"{byte:08b}" for byte in event["data"])[: event["length"]]
    assert (int(bits[1:9], 2), int(bits[9:25], 2)) == (123, 45678)
    assert ("panel-report", "reported card 45678 (facility 123, 26-bit) over osdp") in recorder.notes
    # The panel refuses (say, outside the person's schedule): red LED, a beep and its own text.
    control_panel.submit_command(1, {"command": osdp.Command.LED, "reader": 0, "led_number": 0, "control_code": 1, "temporary": False,
                                     "on_count": 10, "off_count": 0, "on_color": osdp.CommandLEDColor.Red,
                                     "off_color": osdp.CommandLEDColor.Black, "timer_count": 0})
    control_panel.submit_command(1, {"command": osdp.Command.Buzzer, "reader": 0, "control_code": 2, "on_count": 2, "off_count": 0, "rep_count": 1})
    control_panel.submit_command(1, {"command": osdp.Command.Text, "reader": 0, "control_code": 1, "temp_time": 0,
                                     "offset_row": 1, "offset_col": 1, "data": "Not at this hour"})

    def panel_text_shown() -> bool:
        runner.step()
        return any(p.text == "Not at this hour" for p in feedback.prompts)

    wait_for(panel_text_shown, "the panel's text on the display")
    lights = {e.name: e.active for e in door.edges if e.name in ("green", "red")}
    assert lights == {"green": False, "red": True}, "the panel's red replaces the kiosk's green"
    clock.advance(0.2)
    runner.step()
    assert [e.active for e in door.edges if e.name == "buzzer"] == [True, False]
    assert not door.is_unlocked
    runner.shut_down()
