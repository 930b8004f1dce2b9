"""The gate's temperature check on the simulated thermometer: a febrile visitor, then an unplugged sensor."""

from __future__ import annotations

from hardware.thermometer import SimulatedThermometerConfig
from hardware.thermometer.simulated import SimulatedThermometer
from kiosk.thermal.check import TemperatureCheck, ThermometerUnavailable
from kiosk.thermal.config import ThermalConfig
from kiosk.thermal.estimator import TemperatureEstimator, skin_to_core_for
from kiosk.thermal.result import TemperatureEstimate
from kiosk.thermal.skin_to_core import skin_for_core

ROOM_C = 22.0
MODEL = skin_to_core_for(ThermalConfig())


def _check(clock) -> tuple[SimulatedThermometer, TemperatureCheck]:
    thermometer = SimulatedThermometer(SimulatedThermometerConfig(ambient_c=ROOM_C, rate_hz=14), clock, seed=5)
    return thermometer, TemperatureCheck(thermometer, TemperatureEstimator(ThermalConfig()))


def _until_result(check: TemperatureCheck, clock, distance_m: float = 0.2):
    for _ in range(200):
        clock.advance(1 / 14)
        result = check.poll(distance_m)
        if result is not None:
            return result
    raise AssertionError("no result within 200 readings")


def test_febrile_visitor_is_above_threshold_with_the_reason(clock):
    thermometer, check = _check(clock)
    thermometer.subject_arrives(skin_for_core(MODEL, "forehead", 38.9, ROOM_C), 0.2)
    result = _until_result(check, clock)
    assert isinstance(result, TemperatureEstimate)
    assert result.above_threshold
    assert result.sentence.endswith("where fever is called for the limit 37.5 °C oral-equivalent")


def test_unplugged_sensor_says_the_check_is_unavailable_then_recovers(clock):
    thermometer, check = _check(clock)
    thermometer.unplug()
    result = _until_result(check, clock)
    assert isinstance(result, ThermometerUnavailable)
    assert result.sentence.startswith("temperature check unavailable: simulated thermometer is unplugged")
    thermometer.replug()
    check.subject_left()
    thermometer.subject_arrives(skin_for_core(MODEL, "forehead", 36.7, ROOM_C), 0.2)
    result = _until_result(check, clock)
    assert isinstance(result, TemperatureEstimate) and not result.above_threshold
