"""The core model the estimator loads: shipped params, estimates, refusals and the fever decision."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from kiosk.errors import UsageError
from kiosk.thermal.core_model import SITES, CoreEstimate, CoreModel, Refusal, Term
from kiosk.thermal.csv_reader import read_subjects

TYPICAL = {
    "forehead_centre_max": 35.7,
    "forehead_max": 36.0,
    "canthi_max": 36.4,
    "upper_face_max": 36.5,
    "face_max": 36.6,
    "mouth_max": 36.2,
}


@pytest.mark.parametrize("site", SITES)
def test_shipped_model_gives_a_plausible_oral_estimate(site: str) -> None:
    model = CoreModel.load(site)
    estimate = model.estimate(TYPICAL, ambient_c=23.0)
    assert isinstance(estimate, CoreEstimate)
    assert 36.3 < estimate.core_c < 37.5
    assert 0.1 < estimate.uncertainty_c < 0.5
    assert not estimate.fever
    assert "flir_group1.csv" in model.source["data"]


@pytest.mark.parametrize("site", SITES)
def test_warmer_skin_never_lowers_the_estimate(site: str) -> None:
    model = CoreModel.load(site)
    cores = []
    for skin_c in np.arange(33.0, 40.0, 0.25):
        estimate = model.estimate({name: skin_c for name in TYPICAL}, ambient_c=23.0)
        assert isinstance(estimate, CoreEstimate)
        cores.append(estimate.core_c)
    assert np.all(np.diff(cores) >= 0)
    assert cores[-1] > cores[0] + 1.0


@pytest.mark.parametrize("site", ["face", "upper-face"])
def test_a_hot_face_is_a_fever_and_the_threshold_moves_the_decision(site: str) -> None:
    hot = {**TYPICAL, "upper_face_max": 37.7, "canthi_max": 37.7, "face_max": 37.8}
    at_default = CoreModel.load(site).estimate(hot, ambient_c=23.0)
    at_38_5 = CoreModel.load(site, fever_threshold_c=38.5).estimate(hot, ambient_c=23.0)
    assert isinstance(at_default, CoreEstimate) and isinstance(at_38_5, CoreEstimate)
    assert at_default.fever and not at_38_5.fever
    assert at_default.core_c == at_38_5.core_c


@pytest.mark.parametrize(
    ("readings", "ambient_c", "extra", "reason"),
    [
        ({"forehead_max": 36.0}, 23.0, {}, "upper_face_max missing"),
        ({**TYPICAL, "upper_face_max": float("nan")}, 23.0, {}, "upper_face_max missing"),
        ({**TYPICAL, "upper_face_max": 26.0}, 23.0, {}, "upper_face_max 26.00 °C: expected skin at 30–42 °C"),
        (TYPICAL, 35.0, {}, "ambient 35.0 °C: outside the"),
        (TYPICAL, 23.0, {"distance_m": 79.0}, "distance 79.0 m: expected 0.1–3 m"),
        (TYPICAL, 23.0, {"humidity_pct": -4.0}, "humidity -4.0 %"),
        (TYPICAL, 23.0, {"reading_se_c": {"upper_face_max": 0.9}}, "readings disagree over their rounds (standard error upper_face_max ±0.90 °C)"),
        (TYPICAL, 23.0, {"reading_se_c": {"upper_face_max": float("nan")}}, "upper_face_max standard error nan °C over its rounds"),
    ],
)
def test_missing_or_implausible_inputs_are_refused(readings: dict, ambient_c: float, extra: dict, reason: str) -> None:
    result = CoreModel.load("upper-face").estimate(readings, ambient_c, **extra)
    assert isinstance(result, Refusal)
    assert reason in result.reason


def test_forehead_model_needs_only_the_forehead_reading() -> None:
    assert CoreModel.load("forehead").readings == ("forehead_centre_max",)
    assert isinstance(CoreModel.load("forehead").estimate({"forehead_centre_max": 35.0}, 22.0), CoreEstimate)


def test_model_round_trips_through_its_file(tmp_path: Path) -> None:
    model = CoreModel(
        site="canthi",
        terms=(Term("canthi_max"), Term("canthi_max", 37.0), Term("ambient_c")),
        coefficients=(0.5, 0.7, -0.04),
        intercept_c=19.9,
        uncertainty_c=0.3,
        fever_margin_c=0.3,
        ambient_range_c=(20.0, 24.0),
    )
    path = tmp_path / "canthi.json"
    path.write_text(json.dumps(model.to_dict()))
    loaded = CoreModel.from_file(path)
    assert loaded == model
    estimate = loaded.estimate({"canthi_max": 38.0}, 22.0)
    assert isinstance(estimate, CoreEstimate)
    assert estimate.core_c == pytest.approx(19.9 + 0.5 * 38.0 + 0.7 * 1.0 - 0.04 * 22.0)


def test_uncertainty_grows_with_the_readings_disagreement_over_rounds() -> None:
    model = CoreModel(
        site="canthi",
        terms=(Term("canthi_max"), Term("canthi_max", 37.0), Term("ambient_c")),
        coefficients=(0.5, 0.7, -0.04),
        intercept_c=19.9,
        uncertainty_c=0.25,
        fever_margin_c=0.3,
        ambient_range_c=(20.0, 24.0),
    )
    agreeing = model.estimate({"canthi_max": 36.0}, 22.0)
    below_knot = model.estimate({"canthi_max": 36.0}, 22.0, reading_se_c={"canthi_max": 0.1})
    above_knot = model.estimate({"canthi_max": 37.5}, 22.0, reading_se_c={"canthi_max": 0.1, "forehead_max": 9.0})
    assert isinstance(agreeing, CoreEstimate) and isinstance(below_knot, CoreEstimate) and isinstance(above_knot, CoreEstimate)
    assert agreeing.uncertainty_c == pytest.approx(0.25)
    assert below_knot.uncertainty_c == pytest.approx((0.25**2 + (0.5 * 0.1) ** 2) ** 0.5)
    assert above_knot.uncertainty_c == pytest.approx((0.25**2 + (1.2 * 0.1) ** 2) ** 0.5), "slope above the knot; unused readings ignored"
    assert agreeing.core_c == below_knot.core_c


def test_upper_face_model_reads_no_mouth_region() -> None:
    """A mask hides the mouth, and the study imaged it just after an oral thermometer (README)."""
    model = CoreModel.load("upper-face")
    assert not any("mouth" in name or name == "face_max" for name in model.readings)
    assert isinstance(model.estimate({"upper_face_max": 36.5, "canthi_max": 36.4, "forehead_max": 36.0, "forehead_centre_max": 35.7}, 23.0), CoreEstimate)


def test_face_site_may_use_the_whole_face_and_the_mouth() -> None:
    """Issue 9's `face`: everything an array sees across an unmasked face, combined as the fit chooses."""
    assert {"face_max", "mouth_max", "canthi_max", "forehead_centre_max"} <= set(SITES["face"])
    assert not {"face_max", "mouth_max"} & set(SITES["upper-face"])


def test_readings_that_differ_between_rounds_for_a_reason_add_only_their_share_of_noise() -> None:
    steady = CoreModel.load("face").estimate(TYPICAL, 23.0)
    shaky = CoreModel.load("face").estimate(TYPICAL, 23.0, reading_se_c={"face_max": 0.3})
    model = CoreModel.load("face")
    assert 0.0 <= model.noise_gain < 1.0, "in the study the last round's face maximum is the just-measured mouth"
    assert isinstance(steady, CoreEstimate) and isinstance(shaky, CoreEstimate)
    slope = model.reading_noise_c({**TYPICAL, "ambient_c": 23.0}, {"face_max": 1.0})
    assert shaky.uncertainty_c == pytest.approx(np.hypot(steady.uncertainty_c, np.sqrt(model.noise_gain) * slope * 0.3))


def test_unknown_site_and_broken_files_are_usage_errors(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="site 'wrist': expected one of forehead, canthi, face, upper-face"):
        CoreModel.load("wrist")
    broken = tmp_path / "broken.json"
    broken.write_text('{"site": "forehead", "terms": [{"input": "canthi_max"}]}')
    with pytest.raises(UsageError, match="broken.json: not a model"):
        CoreModel.from_file(broken)


@pytest.mark.parametrize("site", SITES)
def test_shipped_model_on_the_study_file(shared_dir: Path, site: str) -> None:
    """In-sample check of the shipped params through the estimator's own path (held-out figures: test_core_fit)."""
    table = read_subjects(shared_dir / "thermal-dev" / "flir_group1.csv")
    model = CoreModel.load(site)
    results = [
        (s.oral_c, model.estimate(table.calibrated_readings(s), s.ambient_c, s.distance_m, s.humidity_pct, s.reading_se_c))
        for s in table.subjects
    ]
    estimates = [(oral, e) for oral, e in results if isinstance(e, CoreEstimate)]
    assert len(estimates) >= 0.98 * len(table.rows)
    error = np.array([e.core_c - oral for oral, e in estimates])
    assert abs(error.mean()) < 0.02
    assert np.abs(error).mean() < {"face": 0.20, "upper-face": 0.23, "canthi": 0.24, "forehead": 0.29}[site]  # least squares, in sample
