from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def timedatectl_saying(folder: Path, answer: str) -> dict[str, str]:
    """An environment whose PATH finds a `timedatectl` that reports NTPSynchronized=`answer` (this host has no systemd)."""
    tool = folder / "bin" / "timedatectl"
    tool.parent.mkdir(exist_ok=True)
    tool.write_text(f"#!/bin/sh\necho {answer}\n")
    tool.chmod(0o755)
    return os.environ | {"PATH": f"{tool.parent}{os.pathsep}{os.environ.get('PATH', '')}"}


def run_doctor(config: Path, synchronised: str = "yes") -> subprocess.CompletedProcess[str]:
    env = timedatectl_saying(config.parent, synchronised)
    return subprocess.run([sys.executable, "-m", "kiosk", "doctor", "--config", str(config)], capture_output=True, text=True, env=env)


def test_doctor_passes_on_simulated_devices(tmp_path: Path) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text(f'[storage]\npath = "{tmp_path / "state" / "kiosk.db"}"\n')
    result = run_doctor(config)
    assert result.returncode == 0, result.stdout
    assert "ok   door: simulated: relay driven locked" in result.stdout


def test_doctor_names_what_to_fix_for_gpio_off_a_pi(tmp_path: Path) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text(f'[storage]\npath = "{tmp_path / "kiosk.db"}"\n[door]\ndriver = "gpio"\n')
    result = run_doctor(config)
    assert result.returncode == 1
    assert "FAIL door: door.driver 'gpio' needs the Python module 'RPi.GPIO'" in result.stdout
    assert "fix: install the Pi extra" in result.stdout


def test_doctor_refuses_to_call_an_unsynchronised_clock_good(tmp_path: Path) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text(f'[storage]\npath = "{tmp_path / "state" / "kiosk.db"}"\n')
    result = run_doctor(config, synchronised="no")
    assert result.returncode == 1
    assert "FAIL clock: unsynchronised: timedatectl: NTPSynchronized=no" in result.stdout
    assert "ok   clock: timedatectl: NTPSynchronized=yes" in run_doctor(config).stdout
