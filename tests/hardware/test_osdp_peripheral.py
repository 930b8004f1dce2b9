"""The kiosk's OSDP reader against a real control panel: libosdp's CP mode on the other end of a pty.

The reader opens the pty's slave through pyserial, as it opens /dev/ttyUSB0 on a kiosk; the panel
speaks on the master. Both run libosdp's own refresh threads, so these tests wait for conditions
(bounded, WAIT_S) rather than for fixed times.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

osdp = pytest.importorskip("osdp", reason="libosdp is not installed (pip install 'gatekeeper-kiosk[panel]')")

from hardware.clock import ManualClock  # noqa: E402
from hardware.errors import DeviceUnavailable  # noqa: E402
from hardware.osdp import OsdpConfig, PanelBuzzer, PanelCommand, PanelLed, PanelText, open_osdp_peripheral  # noqa: E402
from hardware.osdp.keys import KeyFileError, read_scbk  # noqa: E402
from hardware.osdp.libosdp_peripheral import LibosdpPeripheral, StreamChannel  # noqa: E402
from hardware.wiegand.frames import CardNumber, encode, to_bytes  # noqa: E402

WAIT_S = 10.0
SCBK_HEX = "00112233445566778899aabbccddeeff"
ADDRESS = 5


def wait_for(condition: Callable[[], object], what: str) -> object:
    deadline = time.monotonic() + WAIT_S
    while not (value := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {WAIT_S} s")
        time.sleep(0.01)
    return value


class MasterSide:
    """The panel's end of the pty: non-blocking reads and writes on the master fd."""

    def __init__(self, fd: int) -> None:
        os.set_blocking(fd, False)
        self._fd = fd

    def read(self, max_bytes: int) -> bytes:
        try:
            return os.read(self._fd, max_bytes)
        except (BlockingIOError, OSError):
            return b""

    def write(self, data: bytes) -> int:
        try:
            return os.write(self._fd, data)
        except BlockingIOError:
            return 0

    def close(self) -> None:
        os.close(self._fd)


@pytest.fixture
def scbk_file(tmp_path: Path) -> Path:
    path = tmp_path / "osdp-scbk.hex"
    path.write_text(SCBK_HEX + "\n")
    return path


@pytest.fixture
def link(scbk_file: Path, clock: ManualClock) -> Iterator[tuple[LibosdpPeripheral, osdp.ControlPanel]]:
    master, slave = os.openpty()
    reader = open_osdp_peripheral(OsdpConfig(port=os.ttyname(slave), address=ADDRESS, scbk_file=scbk_file), clock)
    panel_channel = StreamChannel(MasterSide(master))
    info = osdp.PDInfo(ADDRESS, panel_channel, scbk=bytes.fromhex(SCBK_HEX), flags=[osdp.LibFlag.EnforceSecure])
    panel = osdp.ControlPanel([info], log_level=osdp.LogLevel.Error)
    panel.start()
    try:
        yield reader, panel
    finally:
        panel.teardown()
        reader.close()
        panel_channel.close()
        os.close(slave)


def drain(reader: LibosdpPeripheral, wanted: int) -> list[PanelCommand]:
    received: list[PanelCommand] = []

    def enough() -> bool:
        received.extend(reader.poll())
        return len(received) >= wanted

    wait_for(enough, f"{wanted} panel command(s) at the reader")
    return received


def test_secure_channel_comes_up_with_the_shared_key(link) -> None:
    reader, panel = link
    wait_for(lambda: panel.is_sc_active(ADDRESS), "secure channel at the panel")
    assert reader.is_secure and reader.is_online


def test_card_read_reaches_the_panel_with_its_number(link) -> None:
    reader, panel = link
    wait_for(lambda: panel.is_sc_active(ADDRESS), "secure channel at the panel")
    reader.report(encode(CardNumber(123, 45678, 26)))
    event = wait_for(lambda: panel.get_event(ADDRESS, timeout=0), "card read at the panel")
    assert event["event"] == osdp.Event.CardRead
    assert event["format"] == osdp.CardFormat.Wiegand and event["length"] == 26
    bits = "".join(f"{byte:08b}" for byte in event["data"])[:26]
    assert (int(bits[1:9], 2), int(bits[9:25], 2)) == (123, 45678)
    assert event["data"] == to_bytes(encode(CardNumber(123, 45678, 26)))


def test_panel_led_buzzer_and_text_reach_the_reader(link, clock: ManualClock) -> None:
    reader, panel = link
    wait_for(lambda: panel.is_sc_active(ADDRESS), "secure channel at the panel")
    panel.submit_command(ADDRESS, {
        "command": osdp.Command.LED, "reader": 0, "led_number": 0, "control_code": 1, "temporary": False,
        "on_count": 10, "off_count": 0, "on_color": osdp.CommandLEDColor.Green, "off_color": osdp.CommandLEDColor.Black,
        "timer_count": 0,
    })
    panel.submit_command(ADDRESS, {"command": osdp.Command.Buzzer, "reader": 0, "control_code": 2, "on_count": 5, "off_count": 5, "rep_count": 2})
    panel.submit_command(ADDRESS, {
        "command": osdp.Command.Text, "reader": 0, "control_code": 1, "temp_time": 0, "offset_row": 1, "offset_col": 1, "data": "Door open",
    })
    assert drain(reader, 3) == [PanelLed(frozenset({"green"})), PanelBuzzer(True), PanelText("Door open")]
    clock.advance(1.9)
    assert reader.poll() == []
    clock.advance(0.1)  # 2 beeps of 0.5 s on + 0.5 s off
    assert reader.poll() == [PanelBuzzer(False)]


def test_temporary_led_falls_back_to_the_permanent_colour(link, clock: ManualClock) -> None:
    reader, panel = link
    wait_for(lambda: panel.is_sc_active(ADDRESS), "secure channel at the panel")
    panel.submit_command(ADDRESS, {
        "command": osdp.Command.LED, "reader": 0, "led_number": 0, "control_code": 2, "temporary": True,
        "on_count": 10, "off_count": 0, "on_color": osdp.CommandLEDColor.Red, "off_color": osdp.CommandLEDColor.Black,
        "timer_count": 30,
    })
    assert drain(reader, 1) == [PanelLed(frozenset({"red"}))]
    clock.advance(3.0)
    assert reader.poll() == [PanelLed(frozenset())]


def test_a_panel_with_another_key_gets_no_secure_channel_and_no_card(scbk_file: Path, clock: ManualClock) -> None:
    master, slave = os.openpty()
    reader = open_osdp_peripheral(OsdpConfig(port=os.ttyname(slave), address=ADDRESS, scbk_file=scbk_file), clock)
    channel = StreamChannel(MasterSide(master))
    info = osdp.PDInfo(ADDRESS, channel, scbk=bytes(16), flags=[osdp.LibFlag.EnforceSecure])
    panel = osdp.ControlPanel([info], log_level=osdp.LogLevel.Emergency)
    panel.start()
    try:
        deadline = time.monotonic() + 2.0  # several secure-channel attempts at the library's pace
        while time.monotonic() < deadline:
            assert not panel.is_sc_active(ADDRESS) and not reader.is_secure
            time.sleep(0.05)
        with pytest.raises(DeviceUnavailable, match="no panel is polling this reader over a secure channel"):
            reader.report(encode(CardNumber(1, 2, 26)))
    finally:
        panel.teardown()
        reader.close()
        channel.close()
        os.close(slave)


def test_missing_port_is_named(scbk_file: Path, clock: ManualClock) -> None:
    with pytest.raises(DeviceUnavailable, match="panel.osdp.port '/dev/ttyNOPE'"):
        open_osdp_peripheral(OsdpConfig(port="/dev/ttyNOPE", scbk_file=scbk_file), clock)


@pytest.mark.parametrize(("content", "expected"), [("abc", "3 characters"), ("zz" * 16, "not all hex digits"), ("", "0 characters")])
def test_bad_key_files_are_refused_without_showing_the_key(tmp_path: Path, content: str, expected: str) -> None:
    path = tmp_path / "key"
    path.write_text(content)
    with pytest.raises(KeyFileError, match=expected) as caught:
        read_scbk(path)
    assert content not in str(caught.value) or not content


def test_key_file_is_read_as_16_bytes(scbk_file: Path) -> None:
    assert read_scbk(scbk_file) == bytes.fromhex(SCBK_HEX)


def test_a_card_read_queued_while_no_panel_polls_is_dropped_not_delivered_later(scbk_file: Path, clock: ManualClock) -> None:
    master, slave = os.openpty()
    reader = open_osdp_peripheral(OsdpConfig(port=os.ttyname(slave), scbk_file=scbk_file), clock)
    try:
        event = {"event": osdp.Event.CardRead, "reader_no": 0, "direction": 0, "format": osdp.CardFormat.Wiegand,
                 "length": 26, "data": to_bytes(encode(CardNumber(1, 2, 26)))}
        for _ in range(2):
            reader._device.submit_event(event)  # as if queued just before the panel dropped
        assert reader.poll() == []
        with reader._device.lock:
            assert reader._device.ctx.flush_events() == 0, "the stale card reads are still queued"
    finally:
        reader.close()
        os.close(master)
        os.close(slave)
