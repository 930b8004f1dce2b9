"""Two-point calibration: the fit, its sanity checks, the file round trip, the procedure and the CLI."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from hardware.clock import ManualClock
from hardware.thermometer import SimulatedThermometerConfig
from hardware.thermometer.physics import SensorErrors
from hardware.thermometer.simulated import SimulatedThermometer
from kiosk.errors import ConfigError, UsageError
from kiosk.thermal.calibration import Calibration, ReferencePoint, measure_reference
from kiosk.thermal.config import ThermalConfig
from kiosk.thermal.estimator import TemperatureEstimator

LOW = ReferencePoint(reference_c=30.0, measured_c=29.6, sensor_ambient_c=22.4)
HIGH = ReferencePoint(reference_c=40.0, measured_c=39.8, sensor_ambient_c=22.6)


def test_two_points_give_gain_and_offset():
    calibration = Calibration.two_point(LOW, HIGH, "2026-11-24T09:00:00+0000")
    assert calibration.gain == pytest.approx(10.0 / 10.2)
    assert calibration.apply(29.6) == pytest.approx(30.0)
    assert calibration.apply(39.8) == pytest.approx(40.0)
    assert calibration.ambient_offset_c == 0.0


def test_room_reference_sets_the_ambient_offset():
    calibration = Calibration.two_point(LOW, HIGH, "t", room_c=22.0)
    assert calibration.room_c(22.5) == pytest.approx(22.0)


def test_references_too_close_are_refused():
    with pytest.raises(UsageError, match="expected the second at least 2.0 °C above the first"):
        Calibration.two_point(LOW, ReferencePoint(31.0, 30.7, 22.5), "t")


def test_a_sensor_that_did_not_see_the_reference_is_refused():
    with pytest.raises(UsageError, match="expected a gain within 0.8–1.25"):
        Calibration.two_point(LOW, ReferencePoint(40.0, 31.0, 22.5), "t")


def test_file_round_trip(tmp_path):
    calibration = Calibration.two_point(LOW, HIGH, "t", room_c=22.1)
    calibration.save(tmp_path / "calibration.json")
    assert Calibration.load(tmp_path / "calibration.json") == calibration


def test_missing_or_broken_file_names_the_file(tmp_path):
    with pytest.raises(ConfigError, match=r"absent.json: cannot read it.*kiosk thermal calibrate"):
        Calibration.load(tmp_path / "absent.json")
    (tmp_path / "broken.json").write_text(json.dumps({"version": 1, "gain": 1.0}))
    with pytest.raises(ConfigError, match=r"broken.json: not a calibration file"):
        Calibration.load(tmp_path / "broken.json")


def test_estimator_loads_the_configured_file(tmp_path):
    Calibration.two_point(LOW, HIGH, "t").save(tmp_path / "calibration.json")
    estimator = TemperatureEstimator(ThermalConfig(calibration_file=tmp_path / "calibration.json"))
    assert estimator.calibration.gain == pytest.approx(10.0 / 10.2)


def _calibrate_unit(thermometer: SimulatedThermometer, clock: ManualClock) -> Calibration:
    points = []
    for reference_c in (30.0, 40.0):
        thermometer.hold_reference(reference_c)
        points.append(measure_reference(thermometer, clock, lambda: clock.advance(0.05), reference_c))
    return Calibration.two_point(points[0], points[1], "t")


def test_calibrating_a_miscalibrated_unit_recovers_the_blackbody_temperature(clock):
    errors = SensorErrors(gain=1.03, offset_c=-0.6, noise_c=0.05)
    thermometer = SimulatedThermometer(SimulatedThermometerConfig(rate_hz=14), clock, errors=errors)
    calibration = _calibrate_unit(thermometer, clock)
    thermometer.hold_reference(36.0)
    raw = []
    for _ in range(28):
        clock.advance(1 / 14)
        raw.append(thermometer.read().object_c)
    raw_mean_c = sum(raw) / len(raw)
    assert abs(raw_mean_c - 36.0) > 0.4
    assert calibration.apply(raw_mean_c) == pytest.approx(36.0, abs=0.05)


def test_reference_that_never_settles_is_reported(clock):
    thermometer = SimulatedThermometer(SimulatedThermometerConfig(noise_c=1.0, rate_hz=14), clock)
    thermometer.hold_reference(35.0)
    with pytest.raises(UsageError, match=r"reference at 35.0 °C: readings did not settle within 30 s"):
        measure_reference(thermometer, clock, lambda: clock.advance(0.05), 35.0)


def test_calibrate_command_writes_the_file_for_the_simulated_thermometer(tmp_path):
    output = tmp_path / "calibration.json"
    config = tmp_path / "kiosk.toml"
    config.write_text(f'[thermometer]\ndriver = "simulated"\nrate_hz = 40\n\n[thermal]\ncalibration_file = "{output}"\n')
    completed = subprocess.run(
        [sys.executable, "-m", "kiosk", "thermal", "calibrate", "--config", str(config), "--settle-s", "0.3", "--room-c", "22"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.startswith(f"wrote {output}: gain ")
    calibration = Calibration.load(output)
    assert calibration.low.reference_c == 30.0 and calibration.high.reference_c == 40.0
    assert calibration.ambient_offset_c == pytest.approx(-0.3, abs=0.1)


def test_calibrate_command_without_an_output_is_a_usage_error(tmp_path):
    config = tmp_path / "kiosk.toml"
    config.write_text('[thermometer]\ndriver = "simulated"\n')
    completed = subprocess.run(
        [sys.executable, "-m", "kiosk", "thermal", "calibrate", "--config", str(config)], capture_output=True, text=True, timeout=60
    )
    assert completed.returncode == 2
    assert "pass --output or set thermal.calibration_file" in completed.stderr
