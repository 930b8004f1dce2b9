"""The shipped deployment files stay in step with the code."""

from __future__ import annotations

from pathlib import Path

from kiosk.config import KioskConfig, load_config
from kiosk.config.loader import parse_config

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


def test_example_config_serves_the_gate_screen_on_localhost_only() -> None:
    config = load_config(KioskConfig, ROOT / "deploy" / "kiosk.toml")
    assert config.screens.gate_screen and config.screens.gate_host == "127.0.0.1"


def test_screen_unit_shows_the_configured_gate_screen_in_kiosk_mode() -> None:
    config = load_config(KioskConfig, ROOT / "deploy" / "kiosk.toml")
    unit = (ROOT / "deploy" / "kiosk-screen.service").read_text()
    [start] = [line for line in unit.splitlines() if line.startswith("ExecStart=")]
    assert start.startswith("ExecStart=/usr/bin/chromium --kiosk ")
    assert start.endswith(f" http://{config.screens.gate_host}:{config.screens.gate_port}/")
    for flag in ("--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-quic"):
        assert flag in start.split()


def test_the_commented_many_gates_examples_are_valid_once_uncommented() -> None:
    text = (ROOT / "deploy" / "kiosk.toml").read_text()
    assert load_config(KioskConfig, ROOT / "deploy" / "kiosk.toml").clock.require_sync, "the shipped gate fails closed on its clock"
    examples = text[text.index("# [mqtt]"):]
    uncommented = "\n".join(line.removeprefix("# ") for line in examples.splitlines() if line.startswith("# ") and not line.startswith("# Many"))
    config = parse_config(KioskConfig, text + "\n" + uncommented, source="deploy/kiosk.toml")
    assert (config.mqtt.tls, config.commands.max_age_s, config.metrics.port, config.clock.require_sync) == (True, 120, 9108, True)
    for section in ("[mqtt]", "[commands]", "[metrics]", "[clock]"):
        assert f"\n# {section}" in text
