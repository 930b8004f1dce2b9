"""The shipped deployment files stay in step with the code."""

from __future__ import annotations

from pathlib import Path

from kiosk.config import KioskConfig, load_config

ROOT = Path(__file__).resolve().parent.parent


def test_example_config_is_valid_and_describes_a_pi_gate() -> None:
    config = load_config(KioskConfig, ROOT / "deploy" / "kiosk.toml")
    assert config.door.driver == "gpio" and config.door.fail_mode == "secure"
    assert config.gate.checks == ["credential", "face", "temperature"]


def test_systemd_unit_notifies_is_watched_and_restarts() -> None:
    unit = (ROOT / "deploy" / "kiosk.service").read_text()
    for line in ("Type=notify", "WatchdogSec=10", "Restart=always", "ExecStart=/opt/kiosk/.venv/bin/kiosk run --config /etc/kiosk/kiosk.toml"):
        assert line in unit.splitlines()


def test_ci_runs_exactly_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "./dev.sh test" in readme
    assert (ROOT / ".ci" / "run").read_text().strip().splitlines()[-1] == "exec ./dev.sh test"
