"""The estimator's skin-to-core step: the shipped fitted core model by default, the oral-equivalent threshold."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from hardware.thermometer import Reading
from kiosk.config import KioskConfig, parse_config
from kiosk.errors import ConfigError
from kiosk.thermal.config import ThermalConfig
from kiosk.thermal.core_model import CoreEstimate, CoreModel
from kiosk.thermal.estimator import TemperatureEstimator, skin_to_core_for
from kiosk.thermal.result import RefusalReason, TemperatureEstimate, TemperatureRefusal
from kiosk.thermal.skin_to_core import FittedSkinToCore, OffsetSkinToCore, skin_for_core

ROOM_C = 22.0
RATE_HZ = 14.0


def _spot(estimator: TemperatureEstimator, skin_c: float, ambient_c: float = ROOM_C):
    """Feed a steady forehead at `skin_c` (already free of reflection: emissivity 1) until a result."""
    rng = np.random.default_rng(0)
    for index in range(40):
        reading = Reading(object_c=round(skin_c + rng.normal(0, 0.03), 2), ambient_c=ambient_c, taken_at=index / RATE_HZ)
        result = estimator.add(reading, 0.2)
        if result is not None:
            return result
    raise AssertionError("no result")


def test_default_estimator_uses_the_shipped_forehead_core_model():
    config = ThermalConfig(emissivity=1.0)
    result = _spot(TemperatureEstimator(config), 35.2)
    assert isinstance(result, TemperatureEstimate)
    expected = CoreModel.load("forehead").estimate({"forehead_centre_max": result.site_c}, result.ambient_c)
    assert isinstance(expected, CoreEstimate)
    assert result.body_c == pytest.approx(expected.core_c)
    assert result.uncertainty_c > expected.uncertainty_c, "the sensor's own uncertainty is added"
    assert result.core_model.startswith("core-model-forehead-")


def test_threshold_is_oral_equivalent_and_the_fitted_model_calls_fever_below_it():
    """37.5 °C oral-equivalent by default (issue 9); a regression under-reads fevers, so the fitted
    model calls fever from its tuned margin below the threshold, the offset model at the threshold."""
    config = ThermalConfig(emissivity=1.0)
    assert config.threshold_c == 37.5
    fitted, offset = skin_to_core_for(config), OffsetSkinToCore()
    margin_c = CoreModel.load("forehead").fever_margin_c
    assert fitted.fever_from_c("forehead", 37.5) == pytest.approx(37.5 - margin_c)
    assert offset.fever_from_c("forehead", 37.5) == 37.5
    between_c = 37.5 - margin_c / 2
    flagged = _spot(TemperatureEstimator(config), skin_for_core(fitted, "forehead", between_c, ROOM_C))
    passed = _spot(TemperatureEstimator(config, skin_to_core=offset), skin_for_core(offset, "forehead", between_c, ROOM_C))
    assert isinstance(flagged, TemperatureEstimate) and isinstance(passed, TemperatureEstimate)
    assert flagged.body_c == pytest.approx(between_c, abs=0.05) and passed.body_c == pytest.approx(between_c, abs=0.05)
    assert flagged.above_threshold and flagged.fever_from_c == pytest.approx(37.5 - margin_c)
    assert not passed.above_threshold and passed.fever_from_c == 37.5


def test_offset_model_is_one_config_key_away():
    config = parse_config(KioskConfig, '[thermal]\ncore_model = "offset"\narray_site = "canthi"\n').thermal
    result = _spot(TemperatureEstimator(replace(config, emissivity=1.0)), 35.2)
    assert isinstance(result, TemperatureEstimate) and result.core_model == "offset-flir-group1-v1"
    assert result.body_c == pytest.approx(OffsetSkinToCore().core_c("forehead", result.site_c, result.ambient_c))


def test_offset_model_has_no_upper_face_site():
    with pytest.raises(ConfigError, match="array_site = 'upper-face': the offset core model knows only 'canthi'"):
        parse_config(KioskConfig, '[thermal]\ncore_model = "offset"\n')


def test_a_room_outside_the_operating_range_is_refused_with_its_reason():
    """The config trusts the sensor in 15–32 °C; the core model states 16–32 °C."""
    result = _spot(TemperatureEstimator(ThermalConfig(emissivity=1.0)), 33.0, ambient_c=15.5)
    assert isinstance(result, TemperatureRefusal)
    assert result.reason is RefusalReason.OUTSIDE_CORE_MODEL
    assert result.sentence.startswith("forehead core model: ambient 15.5 °C: outside the 16–32 °C operating range")


def test_a_warm_lobby_inside_the_operating_range_is_estimated():
    """Issue 16: rooms at 24–29 °C were refused as outside the data's 20.2–24 °C plus 3 °C."""
    result = _spot(TemperatureEstimator(ThermalConfig(emissivity=1.0)), 35.8, ambient_c=29.0)
    assert isinstance(result, TemperatureEstimate)
    assert 36.0 < result.body_c < 37.5


def test_a_fitted_model_needing_readings_the_estimator_lacks_is_a_config_error():
    with pytest.raises(ConfigError, match="core model for upper-face reads face_max: expected upper_face_max alone"):
        FittedSkinToCore({"upper-face": CoreModel.load("face")})


@pytest.mark.parametrize("site", ["forehead", "canthi", "upper-face"])
def test_simulated_skin_maps_back_to_the_core_it_was_drawn_for(site: str):
    model = FittedSkinToCore.load([site])
    for core_c in (36.2, 36.9, 37.4, 38.5, 39.8):
        assert model.core_c(site, skin_for_core(model, site, core_c, ROOM_C), ROOM_C) == pytest.approx(core_c, abs=1e-6)
