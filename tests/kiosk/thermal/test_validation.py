"""Validation that imitates deployment: splits by subject, session date and room, every model kind judged alike."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from kiosk.errors import UsageError
from kiosk.thermal.core_model import CoreEstimate, Refusal
from kiosk.thermal.fit import Dataset
from kiosk.thermal.validation import by_ambient, parts, validate, warmer_room

KINDS = ["least-squares", "heat-exchange", "heat-exchange-passive", "hinge"]
FIGURES = {"mae_c", "within_0_5", "sensitivity", "specificity", "refused", "refused_share", "bias_c", "fever_margin_c", "by_ambient"}


def study(n: int = 400, seed: int = 5, skin_per_ambient: float = 0.1) -> Dataset:
    """People whose skin follows heat exchange, in rooms of 18–26 °C, over sessions from 2016 to 2018."""
    rng = np.random.default_rng(seed)
    core = np.where(rng.random(n) < 0.12, rng.uniform(37.5, 38.5, n), rng.normal(36.8, 0.25, n))
    room = rng.uniform(18.0, 26.0, n)
    skin = 4.0 + 0.85 * core + skin_per_ambient * room + rng.normal(0.0, 0.15, n)
    sessions = tuple(f"{16 + i * 3 // n}-{1 + i % 12:02d}-{1 + i % 28:02d}" for i in range(n))
    ids = tuple(f"s{i}" for i in range(n))
    return Dataset("canthi", {"canthi_max": skin, "ambient_c": room}, {"canthi_max": np.zeros(n)}, core, ids, 0, sessions)


def test_date_split_fits_on_earlier_sessions_and_judges_the_later_ones() -> None:
    data = study()
    [part] = parts(data, "date", fit_share=0.6)
    assert max(data.sessions[i] for i in part.fit) < min(data.sessions[i] for i in part.judge)
    assert len(part.fit) + len(part.judge) == len(data)
    assert 0.5 < len(part.fit) / len(data) < 0.7


def test_ambient_split_fits_on_cool_rooms_and_judges_warm_ones() -> None:
    data = study()
    [part] = parts(data, "ambient", fit_max_c=21.0, judge_min_c=22.0)
    ambient = data.inputs["ambient_c"]
    assert ambient[part.fit].max() <= 21.0 < 22.0 < ambient[part.judge].min()


def test_subject_split_judges_every_subject_once() -> None:
    data = study()
    judged = np.concatenate([part.judge for part in parts(data, "subject")])
    assert sorted(judged.tolist()) == list(range(len(data)))


def test_parts_too_small_to_judge_are_refused_by_name() -> None:
    with pytest.raises(UsageError, match="fit on rooms ≤ 15 °C, judge on rooms > 16 °C: 0 subjects to fit"):
        parts(study(), "ambient", fit_max_c=15.0, judge_min_c=16.0)
    with pytest.raises(UsageError, match="split 'camera': expected one of"):
        parts(study(), "camera")


def test_a_warmer_room_warms_every_reading_by_the_heat_exchange_share() -> None:
    data = study(n=40)
    warm = warmer_room(data, 5.0, 0.1)
    assert np.allclose(warm.inputs["ambient_c"] - data.inputs["ambient_c"], 5.0)
    assert np.allclose(warm.inputs["canthi_max"] - data.inputs["canthi_max"], 0.5)
    assert np.array_equal(warm.oral_c, data.oral_c)


def test_every_kind_is_judged_on_the_same_parts_with_the_same_figures() -> None:
    result = validate(study(), "ambient", fit_max_c=22.0, judge_min_c=22.0)
    assert result["fit"]["ambient_c"][1] <= 22.0 < result["judge"]["ambient_c"][0]
    assert list(result["models"]) == KINDS
    for figures in result["models"].values():
        assert FIGURES <= set(figures)
        assert figures["subjects"] == result["judge"]["subjects"]


def test_a_physical_ambient_term_extrapolates_to_warm_rooms_and_a_hinge_on_raw_skin_does_not() -> None:
    """The hinge's knot sits in raw skin, which a warm room lifts: healthy people cross it and read as fevers."""
    data = study(n=600)
    at_home = validate(data, "subject", kinds=("least-squares", "hinge"))["models"]
    result = validate(data, "warm-room", kinds=("least-squares", "hinge"), room_shift_c=5.0)
    assert result["judge"]["ambient_c"][:2] == [23.0, 30.99]
    plain, hinge = result["models"]["least-squares"], result["models"]["hinge"]
    assert abs(plain["bias_c"]) < 0.01 and plain["specificity"] >= 0.945 and plain["refused"] == 0
    assert hinge["bias_c"] > 0.03 and hinge["specificity"] < 0.92
    assert at_home["hinge"]["specificity"] > 0.95 and at_home["hinge"]["mae_c"] < at_home["least-squares"]["mae_c"]


def test_errors_are_binned_by_room_temperature() -> None:
    estimates = [CoreEstimate(37.0, 0.2, False), CoreEstimate(36.5, 0.2, False), Refusal("ambient")]
    rows = by_ambient(estimates, np.array([36.8, 36.9, 37.0]), np.array([20.2, 20.9, 27.5]))
    assert rows == [
        {"ambient_c": [20.0, 21.0], "subjects": 2, "refused": 0, "mae_c": 0.3, "bias_c": -0.1},
        {"ambient_c": [27.0, 28.0], "subjects": 1, "refused": 1, "mae_c": None, "bias_c": None},
    ]


def test_validate_command_prints_one_json_object(shared_dir: Path) -> None:
    csv = shared_dir / "thermal-dev" / "flir_group1.csv"
    command = [sys.executable, "-m", "kiosk", "thermal", "validate", "--csv", str(csv), "--site", "face", "--split", "date"]
    result = subprocess.run([*command, "--kind", "least-squares", "--json"], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["site"] == "face" and report["split"] == "date"
    assert report["fit"]["sessions"][1] < report["judge"]["sessions"][0]
    figures = report["models"]["least-squares"]
    assert FIGURES <= set(figures)
    assert figures["mae_c"] < 0.22 and figures["refused_share"] <= 0.02


def test_a_date_split_without_dates_is_refused_by_name() -> None:
    undated = study(n=60)
    undated = Dataset(undated.site, undated.inputs, undated.reading_se_c, undated.oral_c, undated.subject_ids, 0, ("",) * 60)
    with pytest.raises(UsageError, match="split by date: some rows have no Date"):
        parts(undated, "date")
