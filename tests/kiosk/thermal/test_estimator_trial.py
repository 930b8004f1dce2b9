"""The simulated screening trial behind `kiosk bench thermal`: its JSON, its determinism, its physics, its people."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from kiosk.thermal.result import TemperatureEstimate
from kiosk.thermal.skin_to_core import OFFSET_MODEL_VERSION
from kiosk.thermal.trial import Population, bench_config, run_trial, summarise

KEYS = {
    "subjects",
    "within_0_3",
    "p95_abs_error_c",
    "median_time_to_verdict_s",
    "p95_time_to_verdict_s",
    "refused",
    "fever_sensitivity",
    "fever_specificity",
}


@pytest.mark.parametrize("core_model", ["offset", "fitted"])
def test_bench_command_prints_one_json_object_with_exactly_the_issue_keys(core_model):
    completed = subprocess.run(
        [sys.executable, "-m", "kiosk", "bench", "thermal", "--subjects", "40", "--seed", "3", "--core-model", core_model, "--json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    summary = json.loads(completed.stdout)
    assert set(summary) == KEYS
    assert summary["subjects"] == 40


def test_same_seed_same_outcome():
    assert summarise(run_trial(30, 7)) == summarise(run_trial(30, 7))


def test_by_default_the_estimator_uses_the_simulated_physiology_so_fever_truth_is_judged_like_with_like():
    outcomes = run_trial(30, 7)
    assert {o.result.core_model for o in outcomes if isinstance(o.result, TemperatureEstimate)} == {OFFSET_MODEL_VERSION}
    assert all(o.true_febrile == (o.true_core_c >= bench_config().threshold_c) for o in outcomes)
    fitted = [o.result for o in run_trial(5, 7, config=bench_config("fitted")) if isinstance(o.result, TemperatureEstimate)]
    assert fitted and all(r.core_model.startswith("core-model-forehead-") for r in fitted)


def test_fevers_start_at_the_threshold_and_most_are_low_grade():
    population = Population(febrile_share=0.5)
    rng = np.random.default_rng(0)
    cores = np.array([population.core_c(rng) for _ in range(4000)])
    febrile = cores[cores >= population.fever_from_c]
    assert 0.47 <= len(febrile) / len(cores) <= 0.53
    assert 0.5 <= np.mean(febrile < 38.0) <= 0.6
    assert np.mean(cores[cores < population.fever_from_c]) == pytest.approx(36.87, abs=0.03)


def test_spot_sensor_trial_is_accurate_and_fast_on_a_small_population():
    summary = summarise(run_trial(150, 11))
    assert summary["within_0_3"] >= 0.95
    assert summary["refused"] <= 0.1
    assert summary["median_time_to_verdict_s"] <= 1.0


def test_people_standing_too_far_are_refused_not_guessed():
    far = Population(distance_m=(0.5, 0.02))
    outcomes = run_trial(20, 1, population=far)
    assert summarise(outcomes)["refused"] == 1.0
    assert {o.result.reason.value for o in outcomes} == {"too-far"}


def test_subjects_must_be_positive():
    completed = subprocess.run(
        [sys.executable, "-m", "kiosk", "bench", "thermal", "--subjects", "0"], capture_output=True, text=True, timeout=60
    )
    assert completed.returncode == 2
    assert "--subjects 0: expected at least 1" in completed.stderr


def test_array_trial_runs_end_to_end():
    summary = summarise(run_trial(10, 0, "gy-mcu90640"))
    assert summary["subjects"] == 10
    assert summary["median_time_to_verdict_s"] <= 1.5
