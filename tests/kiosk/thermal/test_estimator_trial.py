"""The simulated screening trial behind `kiosk bench thermal`: its JSON, its determinism, its physics."""

from __future__ import annotations

import json
import subprocess
import sys

from kiosk.thermal.trial import Population, run_trial, summarise

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


def test_bench_command_prints_one_json_object_with_exactly_the_issue_keys():
    completed = subprocess.run(
        [sys.executable, "-m", "kiosk", "bench", "thermal", "--subjects", "40", "--seed", "3", "--json"],
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
