"""The `[thermal]` and `[thermometer]` config sections through the strict loader and `kiosk check-config`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from hardware.thermometer import GyMcu90614Config, GyMcu90640Config
from kiosk.config import KioskConfig, parse_config
from kiosk.errors import ConfigError
from kiosk.thermal.config import ThermalConfig


def test_defaults_are_private_uncalibrated_with_the_documented_threshold():
    config = parse_config(KioskConfig, "")
    assert config.thermal == ThermalConfig()
    assert config.thermal.threshold_c == 37.5
    assert config.thermal.core_model == "fitted" and config.thermal.array_site == "upper-face"
    assert config.thermal.calibration_file is None


def test_serial_drivers_are_chosen_by_the_driver_key():
    config = parse_config(
        KioskConfig,
        '[thermometer]\ndriver = "gy-mcu90614"\nport = "spy:///dev/serial0"\nmode = "query"\n'
        '[thermal]\ncalibration_file = "/var/lib/kiosk/calibration.json"\n',
    )
    assert config.thermometer == GyMcu90614Config(port="spy:///dev/serial0", mode="query")
    assert config.thermal.calibration_file == Path("/var/lib/kiosk/calibration.json")
    array = parse_config(KioskConfig, '[thermometer]\ndriver = "gy-mcu90640"\nbaudrate = 460800\n')
    assert array.thermometer == GyMcu90640Config(baudrate=460800)


def test_bad_values_are_named_with_what_was_expected():
    with pytest.raises(ConfigError) as caught:
        parse_config(
            KioskConfig,
            '[thermometer]\ndriver = "gy-mcu90614"\nbaudrate = 19200\n[thermal]\nmax_distance_m = 0.5\nambient_min_c = 30\nambient_max_c = 20\n',
        )
    message = str(caught.value)
    assert "thermometer.baudrate = 19200: expected one of 9600, 115200" in message
    assert "max_distance_m = 0.5: expected at most 0.34 m" in message
    assert "ambient_min_c = 30.0, ambient_max_c = 20.0: expected min below max" in message


def test_check_config_prints_the_thermal_section(tmp_path):
    path = tmp_path / "kiosk.toml"
    path.write_text("[thermal]\nthreshold_c = 38.0\n")
    completed = subprocess.run([sys.executable, "-m", "kiosk", "check-config", str(path)], capture_output=True, text=True, timeout=60)
    assert completed.returncode == 0, completed.stderr
    assert "[thermal]\nthreshold_c = 38.0" in completed.stdout
