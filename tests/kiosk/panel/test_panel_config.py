"""door.mode and [panel]: strict config, and a panel that cannot be reached stops the service with the relay locked."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.config import KioskConfig, parse_config
from kiosk.errors import ConfigError
from kiosk.gate.policy import GatePolicy


def problems_of(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(KioskConfig, text, source="kiosk.toml")
    return caught.value.problems


def test_osdp_mode_needs_a_port_and_a_key_file() -> None:
    assert problems_of('[door]\ndriver = "simulated"\nmode = "panel-osdp"\n') == [
        "line 1: door.mode = 'panel-osdp': panel.osdp.port is empty (expected the RS-485 serial port, e.g. /dev/ttyUSB0)",
        "line 1: door.mode = 'panel-osdp': panel.osdp.scbk_file is not set (expected the secure-channel key file)",
    ]


def test_an_unknown_mode_is_refused_with_the_choices() -> None:
    [problem] = problems_of('[door]\ndriver = "simulated"\nmode = "panel"\n')
    assert problem.startswith("line 3: door.mode = 'panel': expected one of 'relay', 'panel-osdp', 'panel-wiegand'")


def test_card_table_takes_pseudonymous_ids_and_card_numbers_that_fit_the_frame() -> None:
    problems = problems_of('[panel]\nfacility_code = 300\n[panel.cards]\n"Alice Smith" = 12\nholder-7f3a = 70000\n')
    assert "line 2: panel.facility_code = 300: expected 0-255 for 26-bit cards" in problems
    assert any(p.startswith("line 3: panel.cards.'Alice Smith': expected a pseudonymous id") for p in problems)
    assert "line 3: panel.cards.holder-7f3a = 70000: expected a card number from 0 to 65535" in problems


def test_a_34_bit_panel_takes_16_bit_facility_codes() -> None:
    config = parse_config(KioskConfig, "[panel]\ncard_bits = 34\nfacility_code = 4660\n[panel.cards]\nholder-7f3a = 1\n")
    assert (config.panel.card_bits, config.panel.facility_code, config.panel.cards) == (34, 4660, {"holder-7f3a": 1})


def test_wiegand_pins_must_not_share_a_door_pin() -> None:
    head = '[door]\ndriver = "gpio"\nmode = "panel-wiegand"\n[panel.wiegand]\ndriver = "gpio"\n'
    assert problems_of(head + "d0_pin = 20\nd1_pin = 20\n") == [
        "line 7: panel.wiegand.d1_pin = 20: already used by d0_pin (expected a distinct BCM pin)"
    ]
    [problem] = problems_of(head + "d0_pin = 17\nd1_pin = 24\n")
    assert problem.endswith("panel.wiegand.d0_pin = 17: already used by a door pin (expected a distinct BCM pin)")


@pytest.mark.parametrize("bits", [0, 35, 26.0])
def test_only_26_or_34_bit_frames(bits: object) -> None:
    [problem] = problems_of(f"[panel]\ncard_bits = {bits}\n")
    assert "panel.card_bits" in problem and "expected one of 26, 34" in problem


def test_policy_takes_the_panel_and_cards_from_the_door_mode() -> None:
    config = parse_config(KioskConfig, '[door]\ndriver = "simulated"\nmode = "panel-wiegand"\n[panel.cards]\nholder-7f3a = 5\n')
    policy = GatePolicy.from_config(config.gate, door_mode=config.door.mode, cards=config.panel.cards)
    assert (policy.panel, dict(policy.cards)) == ("wiegand", {"holder-7f3a": 5})
    assert GatePolicy.from_config(config.gate).panel is None


def run_with_key(tmp_path: Path, key_text: str) -> tuple[subprocess.CompletedProcess[str], list[dict]]:
    (tmp_path / "trust" / "kiosk").mkdir(parents=True)
    key = tmp_path / "scbk.hex"
    key.write_text(key_text)
    edges = tmp_path / "edges.jsonl"
    config = tmp_path / "kiosk.toml"
    config.write_text(f"""
[gate]
checks = ["credential"]
[credentials]
trust_dir = "{tmp_path / 'trust'}"
[storage]
path = "{tmp_path / 'kiosk.db'}"
device_key_file = "{tmp_path / 'device.key'}"
[door]
driver = "simulated"
mode = "panel-osdp"
edges_file = "{edges}"
[panel.osdp]
port = "/dev/null"
scbk_file = "{key}"
""")
    result = subprocess.run([sys.executable, "-m", "kiosk", "run", "--config", str(config)], capture_output=True, text=True, timeout=120)
    return result, [json.loads(line) for line in edges.read_text().splitlines()] if edges.exists() else []


def test_a_bad_key_file_stops_the_service_in_one_line_with_the_relay_locked_and_the_key_unprinted(tmp_path: Path) -> None:
    pytest.importorskip("osdp", reason="libosdp is not installed (pip install 'gatekeeper-kiosk[panel]')")
    secret = "00112233445566778899aabbccddee"  # 30 hex digits: one byte short
    result, edges = run_with_key(tmp_path, secret)
    assert result.returncode != 0
    [line] = result.stderr.splitlines()
    assert line == f"kiosk: panel.osdp.scbk_file '{tmp_path / 'scbk.hex'}': 30 characters (expected 32 hex digits, a 16-byte AES-128 key)"
    assert secret not in result.stderr + result.stdout
    assert [(e["output"], e["active"]) for e in edges if e["output"] == "relay"] == [("relay", False)]


def test_a_panel_wiegand_service_records_its_mode_at_start_and_stops_cleanly(tmp_path: Path) -> None:
    from tests.kiosk.service.test_run_command import DEADLINE_S, latest_audit, start, wait_for

    (tmp_path / "trust" / "kiosk").mkdir(parents=True)
    db = tmp_path / "kiosk.db"
    config = tmp_path / "kiosk.toml"
    config.write_text(f"""
[gate]
checks = ["credential"]
[credentials]
trust_dir = "{tmp_path / 'trust'}"
[storage]
path = "{db}"
device_key_file = "{tmp_path / 'device.key'}"
[door]
driver = "simulated"
mode = "panel-wiegand"
""")
    def start_up_record() -> str:
        if not db.exists():  # connecting would create an empty database before the service does
            return ""
        try:
            return latest_audit(db, "start-up") or ""
        except sqlite3.OperationalError:  # tables not made yet
            return ""

    log = tmp_path / "run.log"
    service = start(config, log)
    try:
        wait_for(lambda: "door.mode panel-wiegand" in start_up_record(), "the start-up record")
    finally:
        service.send_signal(signal.SIGTERM)
        assert service.wait(timeout=DEADLINE_S) == 0, log.read_text()
    assert json.loads(latest_audit(db, "start-up") or "{}")["detail"] == (
        "relay driven locked; door.mode panel-wiegand: grants are reported to the access-control panel as card reads"
    )
