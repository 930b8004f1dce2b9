"""`kiosk doctor` on the panel link: relay mode, Wiegand pins, and an OSDP panel that does or does not poll."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from hardware.clock import ManualClock
from kiosk.config import KioskConfig, parse_config
from kiosk.service.doctor import probe_panel

SCBK_HEX = "0f0e0d0c0b0a09080706050403020100"


def config_for(mode: str, port: str = "", key: Path | None = None) -> KioskConfig:
    osdp = f'[panel.osdp]\nport = "{port}"\nscbk_file = "{key}"\n' if port else ""
    return parse_config(KioskConfig, f'[door]\ndriver = "simulated"\nmode = "{mode}"\n{osdp}')


@pytest.fixture
def key(tmp_path: Path) -> Path:
    path = tmp_path / "scbk.hex"
    path.write_text(SCBK_HEX)
    return path


@pytest.fixture
def pty() -> Iterator[tuple[int, str]]:
    master, slave = os.openpty()
    yield master, os.ttyname(slave)
    os.close(slave)


def test_relay_mode_needs_no_panel(clock: ManualClock) -> None:
    finding = probe_panel(config_for("relay"), clock)
    assert finding.ok and "drives its own lock" in finding.detail


def test_wiegand_output_opens(clock: ManualClock) -> None:
    finding = probe_panel(config_for("panel-wiegand"), clock)
    assert finding.ok and finding.detail.startswith("wiegand (simulated)")


def test_osdp_reader_polled_over_the_secure_channel_is_fine(clock: ManualClock, key: Path, pty: tuple[int, str]) -> None:
    osdp = pytest.importorskip("osdp", reason="libosdp is not installed (pip install 'gatekeeper-kiosk[panel]')")
    from hardware.osdp.libosdp_peripheral import StreamChannel
    from tests.hardware.test_osdp_peripheral import MasterSide

    master, port = pty
    channel = StreamChannel(MasterSide(master))
    panel = osdp.ControlPanel([osdp.PDInfo(0, channel, scbk=bytes.fromhex(SCBK_HEX), flags=[osdp.LibFlag.EnforceSecure])],
                              log_level=osdp.LogLevel.Error)
    panel.start()
    try:
        finding = probe_panel(config_for("panel-osdp", port, key), clock, wait_s=10.0)
    finally:
        panel.teardown()
        channel.close()
    assert finding.ok, finding.detail
    assert finding.detail == "osdp: a panel polls address 0 over the secure channel"


def test_osdp_reader_nobody_polls_says_what_to_check(clock: ManualClock, key: Path, pty: tuple[int, str]) -> None:
    pytest.importorskip("osdp", reason="libosdp is not installed (pip install 'gatekeeper-kiosk[panel]')")
    master, port = pty
    finding = probe_panel(config_for("panel-osdp", port, key), clock, wait_s=0.2)
    os.close(master)
    assert not finding.ok
    assert finding.detail == f"osdp: no panel polled address 0 on {port} over a secure channel within 0.2 s"
    assert "swap them first" in finding.fix


def test_missing_key_file_is_a_finding_not_a_crash(clock: ManualClock, tmp_path: Path, pty: tuple[int, str]) -> None:
    pytest.importorskip("osdp", reason="libosdp is not installed (pip install 'gatekeeper-kiosk[panel]')")
    _, port = pty
    finding = probe_panel(config_for("panel-osdp", port, tmp_path / "absent.hex"), clock)
    assert not finding.ok and "panel.osdp.scbk_file" in finding.detail and "No such file" in finding.detail
