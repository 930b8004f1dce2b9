"""`kiosk demo --door-mode panel-wiegand`: Alice's grant goes to the simulated panel as her card; the relay never moves."""

from __future__ import annotations

import json
from pathlib import Path

from tests.kiosk.demo.test_demo_command import run_demo


def test_panel_demo_reports_alices_card_and_never_releases_the_relay(models_dir: Path) -> None:
    result = run_demo(models_dir, "--json", "--door-mode", "panel-wiegand")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    granted = [d for d in summary["decisions"] if d["verdict"] == "granted"]
    assert [d["subject"] for d in granted] == ["alice (masked, rotating pass on her phone)"]
    assert granted[0]["message"] == "Access granted. Please enter when the door opens."
    assert [r["detail"] for r in summary["panel_reports"]] == ["reported card 45678 (facility 123, 26-bit) over wiegand"]
    assert summary["relay"] == [{"t": 0.0, "state": "locked"}]
    assert summary["final_relay"] == "locked"

