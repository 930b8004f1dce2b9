"""The temperature estimator on edge cases: plateau, fever, re-measure band, every refusal, privacy."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from hardware.clock import ManualClock
from hardware.thermometer import Reading, SimulatedThermometerConfig
from hardware.thermometer.simulated import SimulatedThermometer
from kiosk.thermal.calibration import Calibration, ReferencePoint
from kiosk.thermal.config import ThermalConfig
from kiosk.thermal.core_model import CoreModel
from kiosk.thermal.estimator import TemperatureEstimator, skin_to_core_for
from kiosk.thermal.result import RefusalReason, TemperatureEstimate, TemperatureRefusal
from kiosk.thermal.site import remove_reflection
from kiosk.thermal.skin_to_core import CoreTemperature, skin_for_core

CONFIG = ThermalConfig()
MODEL = skin_to_core_for(CONFIG)
FEVER_FROM_C = MODEL.fever_from_c("forehead", CONFIG.threshold_c)
ROOM_C = 22.0
RATE_HZ = 14.0


def _apparent(skin_c: float) -> float:
    """What a spot sensor (emissivity 1) reads off skin at emissivity 0.98 in a 22 °C room."""
    k = 273.15
    return ((0.98 * (skin_c + k) ** 4 + 0.02 * (ROOM_C + k) ** 4) ** 0.25) - k


def _feed(estimator, values_c, ambient_c=ROOM_C, distance_m=0.2, start_s=0.0, seed=0, noise_c=0.03):
    rng = np.random.default_rng(seed)
    result = None
    for index, value in enumerate(values_c):
        object_c = round(value + rng.normal(0, noise_c), 2)
        reading = Reading(object_c=object_c, ambient_c=round(ambient_c + rng.normal(0, 0.02), 2), taken_at=start_s + index / RATE_HZ)
        result = estimator.add(reading, distance_m)
        if result is not None:
            return result, index
    return result, len(values_c)


def _skin_for(core_c: float) -> float:
    return skin_for_core(MODEL, "forehead", core_c, ROOM_C)


def test_steady_forehead_gives_a_body_estimate_within_a_tenth():
    estimator = TemperatureEstimator(CONFIG)
    result, used = _feed(estimator, [_apparent(_skin_for(36.6))] * 30)
    assert isinstance(result, TemperatureEstimate)
    assert result.body_c == pytest.approx(36.6, abs=0.1)
    assert result.site == "forehead" and result.site_c == pytest.approx(_skin_for(36.6), abs=0.1)
    assert not result.above_threshold and not result.in_remeasure_band and not result.calibrated
    assert used < 8, "a clean plateau needs only the stability window"
    assert result.elapsed_s == pytest.approx(used / RATE_HZ)


def test_uncertainty_combines_sensor_and_skin_to_core_model():
    result, _ = _feed(TemperatureEstimator(CONFIG), [_apparent(_skin_for(36.9))] * 30)
    assert CoreModel.load("forehead").uncertainty_c < result.uncertainty_c < 0.7


def test_fever_is_above_threshold_with_a_sentence():
    result, _ = _feed(TemperatureEstimator(CONFIG), [_apparent(_skin_for(38.6))] * 30)
    assert result.above_threshold
    assert result.sentence == (
        f"temperature 38.6 °C is at or above {FEVER_FROM_C:.2f} °C, where fever is called for the limit 37.5 °C oral-equivalent"
    )


def test_just_under_where_fever_is_called_asks_for_a_second_measurement():
    result, _ = _feed(TemperatureEstimator(CONFIG), [_apparent(_skin_for(FEVER_FROM_C - CONFIG.remeasure_band_c / 2))] * 30)
    assert not result.above_threshold
    assert result.in_remeasure_band


def test_waits_for_the_plateau_while_the_subject_walks_in():
    approach = [ROOM_C + 1, 24.5, 27.0, 30.5, 33.0]
    plateau = [_apparent(_skin_for(36.8))] * 30
    result, used = _feed(TemperatureEstimator(CONFIG), approach + plateau)
    assert isinstance(result, TemperatureEstimate)
    assert used >= len(approach) + 3
    assert result.body_c == pytest.approx(36.8, abs=0.1)


def test_a_single_spike_is_rejected_not_averaged():
    values = [_apparent(_skin_for(36.8))] * 30
    values[4] += 3.0
    result, _ = _feed(TemperatureEstimator(CONFIG), values)
    assert result.body_c == pytest.approx(36.8, abs=0.1)


def test_readings_that_never_settle_are_refused_as_unstable_after_the_timeout():
    rng = np.random.default_rng(3)
    wandering = list(34.0 + rng.normal(0, 0.6, 200))
    result, used = _feed(TemperatureEstimator(CONFIG), wandering)
    assert isinstance(result, TemperatureRefusal)
    assert result.reason is RefusalReason.UNSTABLE
    assert "did not settle within 5.0 s" in result.sentence
    assert used == pytest.approx(CONFIG.timeout_s * RATE_HZ, abs=1)


def test_subject_beyond_the_distance_limit_is_asked_to_step_closer():
    result, _ = _feed(TemperatureEstimator(CONFIG), [_apparent(_skin_for(36.8))] * 30, distance_m=0.45)
    assert result.reason is RefusalReason.TOO_FAR
    assert result.sentence == "subject at 0.45 m, farther than 0.30 m; please step closer"


def test_without_a_distance_a_cold_reading_means_the_face_does_not_fill_the_view():
    result, _ = _feed(TemperatureEstimator(CONFIG), [27.0] * 30, distance_m=None)
    assert result.reason is RefusalReason.TOO_FAR
    assert "colder than skin" in result.sentence


@pytest.mark.parametrize("ambient_c", [12.0, 35.0])
def test_room_outside_the_trusted_range_is_refused(ambient_c):
    result, _ = _feed(TemperatureEstimator(CONFIG), [_apparent(34.5)] * 30, ambient_c=ambient_c)
    assert result.reason is RefusalReason.AMBIENT_OUT_OF_RANGE
    assert f"room temperature {ambient_c:.1f} °C is outside 15.0–32.0 °C" in result.sentence


def test_a_stuck_sensor_is_a_sensor_fault_not_a_temperature():
    estimator = TemperatureEstimator(CONFIG)
    frozen = [Reading(object_c=34.5, ambient_c=22.3, taken_at=i / RATE_HZ) for i in range(30)]
    results = [estimator.add(reading, 0.2) for reading in frozen]
    final = next(r for r in results if r is not None)
    assert final.reason is RefusalReason.SENSOR_FAULT
    assert "repeated one value (34.50 °C)" in final.sentence


def test_an_impossible_value_is_a_sensor_fault_at_once():
    estimator = TemperatureEstimator(CONFIG)
    result = estimator.add(Reading(object_c=-327.68, ambient_c=22.0, taken_at=0.0))
    assert result.reason is RefusalReason.SENSOR_FAULT
    assert "-327.68 °C" in result.sentence


def test_result_is_kept_until_reset_then_a_new_subject_starts_fresh():
    estimator = TemperatureEstimator(CONFIG)
    first, _ = _feed(estimator, [_apparent(_skin_for(38.5))] * 30)
    assert estimator.add(Reading(object_c=20.0, ambient_c=22.0, taken_at=99.0)) is first
    estimator.reset()
    second, _ = _feed(estimator, [_apparent(_skin_for(36.5))] * 30, start_s=100.0)
    assert first.above_threshold and not second.above_threshold


def test_threshold_and_band_come_from_the_config():
    config = replace(CONFIG, threshold_c=38.0, remeasure_band_c=0.5)
    fever_from_c = MODEL.fever_from_c("forehead", 38.0)
    result, _ = _feed(TemperatureEstimator(config), [_apparent(_skin_for(fever_from_c - 0.3))] * 30)
    assert not result.above_threshold and result.in_remeasure_band
    assert result.threshold_c == 38.0 and result.fever_from_c == fever_from_c


class FixedSkinToCore:
    """Test double: every skin temperature is 39.0 °C of core; records what the estimator passes."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, float, int]] = []

    def estimate(self, site: str, skin_c: float, ambient_c: float, skin_se_c: float) -> CoreTemperature:
        self.calls.append((site, round(skin_c, 1), round(ambient_c)))
        return CoreTemperature(core_c=39.0, uncertainty_c=0.2, skin_slope=1.0, model="fixed-test-model")

    def fever_from_c(self, site: str, threshold_c: float) -> float:
        return threshold_c

    def core_c(self, site: str, skin_c: float, ambient_c: float) -> float:
        return 39.0


def test_skin_to_core_step_is_pluggable():
    fixed = FixedSkinToCore()
    result, _ = _feed(TemperatureEstimator(CONFIG, skin_to_core=fixed), [_apparent(34.5)] * 30)
    assert result.body_c == 39.0 and result.above_threshold and result.core_model == "fixed-test-model"
    assert result.sentence == "temperature 39.0 °C is at or above the limit 37.5 °C oral-equivalent"
    assert fixed.calls == [("forehead", 34.5, 22)]


def test_calibration_corrects_readings_and_the_room_temperature():
    calibration = Calibration.two_point(
        ReferencePoint(30.0, 29.5, 22.8), ReferencePoint(40.0, 39.5, 22.8), "test", room_c=22.0
    )
    result, _ = _feed(TemperatureEstimator(CONFIG, calibration=calibration), [_apparent(34.5) - 0.5] * 30, ambient_c=22.8)
    assert result.calibrated
    assert result.site_c == pytest.approx(34.5, abs=0.05)
    assert result.ambient_c == pytest.approx(22.0, abs=0.05)


def test_reflection_removal_inverts_the_emissivity_mix():
    assert remove_reflection(_apparent(35.0), ROOM_C, 0.98) == pytest.approx(35.0, abs=0.01)


def test_array_sensor_uses_the_hottest_face_pixel_and_estimates_distance_itself():
    clock = ManualClock()
    thermometer = SimulatedThermometer(SimulatedThermometerConfig(model="gy-mcu90640", ambient_c=ROOM_C), clock, seed=4)
    estimator = TemperatureEstimator(CONFIG)
    canthus_c = skin_for_core(MODEL, "upper-face", 37.0, ROOM_C)
    thermometer.subject_arrives(canthus_c, 0.3)
    result = None
    while result is None:
        clock.advance(0.125)
        result = estimator.add(thermometer.read())
    assert isinstance(result, TemperatureEstimate)
    assert result.site == "upper-face"
    assert result.distance_m == pytest.approx(0.3, abs=0.05)
    assert result.site_c == pytest.approx(canthus_c, abs=0.6)  # uncalibrated array: ±1 °C class


def test_array_subject_too_far_is_refused():
    clock = ManualClock()
    thermometer = SimulatedThermometer(SimulatedThermometerConfig(model="gy-mcu90640", ambient_c=ROOM_C), clock, seed=4)
    estimator = TemperatureEstimator(CONFIG)
    thermometer.subject_arrives(35.0, 0.9)
    result = None
    while result is None:
        clock.advance(0.125)
        result = estimator.add(thermometer.read())
    assert result.reason is RefusalReason.TOO_FAR


def test_a_reading_that_keeps_rising_is_never_a_plateau_even_with_a_long_timeout():
    config = replace(CONFIG, timeout_s=30.0)
    rising = [30.0 + 0.5 * index / RATE_HZ for index in range(600)]
    result, used = _feed(TemperatureEstimator(config), rising, noise_c=0.0)
    assert result.reason is RefusalReason.UNSTABLE
    assert used == pytest.approx(30.0 * RATE_HZ, abs=1)


def test_array_ignores_a_hot_drink_beside_the_face():
    from hardware.thermometer.physics import Subject, array_scene_c

    subject = Subject(site_c=35.6, distance_m=0.3, arrived_at=0.0, approach_s=0.01)
    image = array_scene_c(subject, ROOM_C, 1.0, (24, 32), (55.0, 35.0))
    image[18:22, 27:31] = 65.0  # a cup of coffee in the corner
    rng = np.random.default_rng(0)
    estimator = TemperatureEstimator(CONFIG)
    result = None
    for index in range(20):
        pixels = np.round(image + rng.normal(0, 0.05, image.shape), 2)
        reading = Reading(object_c=float(pixels.max()), ambient_c=ROOM_C, taken_at=index / 8, pixels_c=pixels)
        result = estimator.add(reading)
    assert isinstance(result, TemperatureEstimate)
    assert result.site_c == pytest.approx(35.6, abs=0.6)
    assert not result.above_threshold
    assert result.distance_m == pytest.approx(0.3, abs=0.05)
