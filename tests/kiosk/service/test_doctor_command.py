from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def run_doctor(config: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kiosk", "doctor", "--config", str(config)], capture_output=True, text=True)


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
