"""The linear core models: least squares and the heat-exchange form, fitted to relations they should recover."""

from __future__ import annotations

import numpy as np
import pytest

from kiosk.thermal.core_model import CoreEstimate, CoreModel
from kiosk.thermal.fit import Dataset
from kiosk.thermal.heat_exchange import (
    FITTERS,
    fit_linear,
    forward_skin_per_ambient,
    heat_exchange_weights,
    least_squares_weights,
    passive_skin_per_ambient,
)


def population(n: int = 600, seed: int = 3, gamma: float = 0.1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Skin from core and room as heat exchange has it: skin = 0.8·core + γ·room + c, plus a little noise (°C)."""
    rng = np.random.default_rng(seed)
    core = rng.normal(36.9, 0.35, n)
    room = rng.uniform(18.0, 28.0, n)
    skin = 4.0 + 0.8 * core + gamma * room + rng.normal(0.0, 0.05, n)
    return skin, room, core


def dataset(site: str = "canthi", seed: int = 3) -> Dataset:
    skin, room, core = population(seed=seed)
    reading = {"canthi": "canthi_max", "face": "face_max"}[site]
    ids = tuple(f"s{i}" for i in range(len(core)))
    return Dataset(site, {reading: skin, "ambient_c": room}, {reading: np.zeros(len(core))}, core, ids, excluded=0)


def test_forward_fit_finds_the_share_of_a_room_change_that_reaches_the_skin() -> None:
    skin, room, core = population(gamma=0.1)
    assert forward_skin_per_ambient(skin, room, core) == pytest.approx(0.1, abs=0.01)


def test_heat_exchange_estimate_falls_by_the_skin_slope_times_that_share() -> None:
    skin, room, core = population(gamma=0.1)
    intercept, skin_slope, room_slope = heat_exchange_weights(skin, room, core, forward_skin_per_ambient)
    assert -room_slope / skin_slope == pytest.approx(forward_skin_per_ambient(skin, room, core))
    predicted = intercept + skin_slope * skin + room_slope * room
    assert np.mean(np.abs(predicted - core)) < 0.08


def test_least_squares_recovers_the_same_room_dependence_when_the_data_spans_the_rooms() -> None:
    skin, room, core = population(gamma=0.1)
    _, skin_slope, room_slope = least_squares_weights(skin, room, core)
    assert skin_slope == pytest.approx(1 / 0.8, rel=0.05)
    assert -room_slope / skin_slope == pytest.approx(0.1, abs=0.01)


def test_passive_share_is_where_the_skin_sits_between_room_and_core() -> None:
    room = np.full(5, 20.0)
    core = np.full(5, 37.0)
    skin = room + 0.9 * (core - room)
    assert passive_skin_per_ambient(skin, room, core) == pytest.approx(0.1)


@pytest.mark.parametrize("kind", ["least-squares", "heat-exchange", "heat-exchange-passive"])
def test_linear_kinds_are_plain_core_models_with_a_tuned_fever_margin(kind: str) -> None:
    model = fit_linear(dataset(), kind)
    assert [t.input for t in model.terms] == ["canthi_max", "ambient_c"]
    assert model.source["kind"] == kind and model.fever_margin_c > 0
    assert CoreModel.from_dict(model.to_dict()) == model
    warm = model.estimate({"canthi_max": 36.5}, ambient_c=28.0)
    cool = model.estimate({"canthi_max": 36.5}, ambient_c=18.0)
    assert isinstance(warm, CoreEstimate) and isinstance(cool, CoreEstimate)
    assert warm.core_c < cool.core_c, "the same skin in a warmer room means a cooler core"


def test_every_kind_is_fitted_by_name() -> None:
    assert set(FITTERS) == {"least-squares", "heat-exchange", "heat-exchange-passive", "hinge"}
    model = FITTERS["hinge"](dataset(), 1, 0.95, 37.5)
    assert model.source["kind"] == "hinge"
