"""Fitting: deterministic for a seed, recovers a known relation, tunes the fever decision, judged on held-out subjects."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from kiosk.errors import UsageError
from kiosk.thermal.core_model import CoreEstimate, Refusal, Term
from kiosk.thermal.csv_reader import read_subjects
from kiosk.thermal.fit import (
    Dataset,
    candidate_terms,
    decision_point,
    fit_model,
    held_out_figures,
    judge,
    noise_share,
    stratified_folds,
)


def synthetic(site: str, n: int = 300, seed: int = 1, noise_c: float = 0.05) -> Dataset:
    """Oral = 12 + 0.7·skin − 0.04·ambient (+ noise): a relation the fit should find."""
    rng = np.random.default_rng(seed)
    skin = rng.normal(36.0, 0.6, n)
    ambient = rng.uniform(18.0, 26.0, n)
    oral = 12.0 + 0.7 * skin - 0.04 * ambient + rng.normal(0.0, noise_c, n)
    reading = {"canthi": "canthi_max", "forehead": "forehead_centre_max"}[site]
    return Dataset(site, {reading: skin, "ambient_c": ambient}, {reading: np.zeros(n)}, oral, ids(n), excluded=0)


def ids(n: int) -> tuple[str, ...]:
    return tuple(f"s{i}" for i in range(n))


def test_fit_recovers_a_known_linear_relation() -> None:
    model = fit_model(synthetic("canthi"))
    assert model.terms == (Term("canthi_max"), Term("ambient_c"))
    assert model.coefficients == pytest.approx((0.7, -0.04), abs=0.02)
    assert model.uncertainty_c == pytest.approx(0.05, abs=0.01)
    assert model.ambient_range_c[0] >= 18.0 and model.ambient_range_c[1] <= 26.0


def test_fit_finds_the_steeper_slope_of_fevers() -> None:
    data = synthetic("canthi", noise_c=0.05)
    skin = data.inputs["canthi_max"]
    steeper = data.oral_c + 0.8 * np.maximum(skin - 36.5, 0.0)
    model = fit_model(Dataset("canthi", data.inputs, data.reading_se_c, steeper, data.subject_ids, 0))
    assert any(t.knot_c is not None and 36.2 < t.knot_c < 37.0 for t in model.terms)
    estimate = model.estimate({"canthi_max": 38.0}, 22.0)
    assert isinstance(estimate, CoreEstimate)
    assert estimate.core_c == pytest.approx(12.0 + 0.7 * 38.0 - 0.04 * 22.0 + 0.8 * 1.5, abs=0.1)


def test_fit_is_deterministic_for_a_seed() -> None:
    data = synthetic("canthi", noise_c=0.3)
    assert fit_model(data, seed=7).to_dict() == fit_model(data, seed=7).to_dict()
    assert held_out_figures(data, seed=7, outer_folds=4) == held_out_figures(data, seed=7, outer_folds=4)


def test_a_reading_that_would_need_a_negative_slope_is_never_used() -> None:
    data = synthetic("forehead")
    reversed_skin = {"forehead_centre_max": 72.0 - data.inputs["forehead_centre_max"], "ambient_c": data.inputs["ambient_c"]}
    with pytest.raises(UsageError, match="non-negative slopes"):
        fit_model(Dataset("forehead", reversed_skin, data.reading_se_c, data.oral_c, data.subject_ids, 0))


def test_noise_over_rounds_widens_the_uncertainty_and_refuses_beyond_the_models_own_error() -> None:
    rng = np.random.default_rng(5)
    n = 400
    skin = rng.normal(36.0, 0.6, n)
    ambient = rng.uniform(18.0, 26.0, n)
    oral = 12.0 + 0.7 * skin - 0.04 * ambient + rng.normal(0.0, 0.1, n)
    se_c = rng.uniform(0.0, 0.12, n)
    measured = skin + rng.normal(0.0, se_c)
    data = Dataset("canthi", {"canthi_max": measured, "ambient_c": ambient}, {"canthi_max": se_c}, oral, ids(n), 0)
    model = fit_model(data)
    assert model.uncertainty_c == pytest.approx(0.1, abs=0.02), "the readings' own noise is taken out"
    steady = model.estimate({"canthi_max": 36.0}, 22.0, reading_se_c={"canthi_max": 0.0})
    shaky = model.estimate({"canthi_max": 36.0}, 22.0, reading_se_c={"canthi_max": 0.12})
    assert isinstance(steady, CoreEstimate) and isinstance(shaky, CoreEstimate)
    assert steady.uncertainty_c == pytest.approx(model.uncertainty_c)
    assert 0.0 < model.noise_gain <= 1.0
    noise_c = np.sqrt(model.noise_gain) * model.coefficients[0] * 0.12
    assert shaky.uncertainty_c == pytest.approx(np.hypot(model.uncertainty_c, noise_c))
    assert isinstance(model.estimate({"canthi_max": 36.0}, 22.0, reading_se_c={"canthi_max": 0.3}), Refusal)
    assert 0.9 < held_out_figures(data, outer_folds=4).within_95_interval < 0.99


@pytest.mark.parametrize("gain", [0.0, 1.0])
def test_noise_share_finds_how_much_of_the_readings_noise_shows_in_the_error(gain: float) -> None:
    """Rounds that disagree by chance add their noise to the error (gain 1); rounds that differ for a
    reason the average absorbs (the study's last round at the mouth) add none (gain 0)."""
    rng = np.random.default_rng(8)
    noise_c = rng.uniform(0.0, 0.4, 20000)
    error_c = rng.normal(0.0, np.sqrt(0.2**2 + gain * noise_c**2))
    own_variance, found = noise_share(error_c, noise_c)
    assert found == pytest.approx(gain, abs=0.1)
    assert np.sqrt(own_variance) == pytest.approx(0.2, abs=0.01)


def test_candidates_cover_subsets_hinges_and_always_ambient() -> None:
    data = synthetic("canthi")
    candidates = candidate_terms(data)
    assert all(terms[-1] == Term("ambient_c") for terms in candidates)
    assert (Term("canthi_max"), Term("ambient_c")) in candidates
    assert sum(1 for terms in candidates if any(t.knot_c is not None for t in terms)) == 3


def test_decision_point_flags_at_most_the_allowed_share_of_non_fevers() -> None:
    predicted = np.array([36.0, 36.1, 36.2, 36.3, 36.4, 36.5, 36.6, 36.7, 36.8, 36.9, 37.3, 37.6])
    positive = np.array([False] * 10 + [True, True])
    point = decision_point(predicted, positive, specificity=0.8)
    assert point == pytest.approx(36.75)
    assert np.mean(predicted[~positive] >= point) <= 0.2
    assert np.all(predicted[positive] >= point)


def test_judge_scores_estimates_and_counts_refusals() -> None:
    estimates = [CoreEstimate(37.0, 0.2, False), CoreEstimate(37.9, 0.2, True), Refusal("face_max missing"), CoreEstimate(37.2, 0.2, True)]
    figures = judge(estimates, np.array([36.8, 38.1, 37.0, 37.6]))
    assert (figures.subjects, figures.refused, figures.fevers) == (4, 1, 2)
    assert figures.mae_c == pytest.approx((0.2 + 0.2 + 0.4) / 3)
    assert figures.within_0_3 == pytest.approx(2 / 3)
    assert (figures.sensitivity, figures.specificity, figures.auc) == (1.0, 1.0, 1.0)


def test_folds_partition_the_subjects_and_spread_fevers_evenly() -> None:
    labels = np.array([True] * 10 + [False] * 95)
    folds = stratified_folds(labels, 5, seed=3)
    assert sorted(np.concatenate(folds).tolist()) == list(range(105))
    assert [int(labels[f].sum()) for f in folds] == [2, 2, 2, 2, 2]
    assert max(len(f) for f in folds) - min(len(f) for f in folds) <= 1


def test_held_out_figures_on_the_study_file(shared_dir: Path) -> None:
    """Nested cross-validation on real data for the canthi site; the face figures are in bench/thermal_core.py."""
    table = read_subjects(shared_dir / "thermal-dev" / "flir_group1.csv")
    figures = held_out_figures(Dataset.from_table(table, "canthi"))
    assert figures.subjects == 544 and figures.refused <= 0.02 * 544 and figures.fevers >= 44
    assert 0.92 < figures.within_95_interval < 0.98
    assert figures.mae_c < 0.24
    assert figures.within_0_5 > 0.9
    assert figures.specificity > 0.93
    assert figures.sensitivity > 0.75
    assert abs(figures.bias_c) < 0.02


def test_fitted_model_is_what_the_estimator_uses(shared_dir: Path) -> None:
    table = read_subjects(shared_dir / "thermal-dev" / "flir_group1.csv")
    data = Dataset.from_table(table, "forehead")
    model = fit_model(data)
    subject = table.subjects[0]
    estimate = model.estimate(table.calibrated_readings(subject), subject.ambient_c)
    assert isinstance(estimate, CoreEstimate)
    expected = model.intercept_c + sum(
        c * t.value({**table.calibrated_readings(subject), "ambient_c": subject.ambient_c})
        for c, t in zip(model.coefficients, model.terms)
    )
    assert estimate.core_c == pytest.approx(expected)
    assert model.fever_margin_c > 0, "regression to the mean: the decision point must sit below the threshold"
