"""A new camera's constant offset: removed by its blackbody offset when that shows it, else by reference people."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from kiosk.errors import UsageError
from kiosk.thermal.camera_offset import MIN_REFERENCES, reference_offset_c, with_camera_offset
from kiosk.thermal.core_model import CoreEstimate, CoreModel
from kiosk.thermal.csv_reader import READING_COLUMNS, SubjectTable, read_subjects

CAMERA_BIAS_C = 0.6
REGION_COLUMNS = {f"{column}{r}" for region in READING_COLUMNS.values() for column in region for r in "1234"}


def later_sessions_by_another_camera(source: Path, target: Path, blackbody_shows_it: bool, bias_c: float = CAMERA_BIAS_C) -> Path:
    """The study's 2018 subjects as a camera reading every face `bias_c` warm would record them."""
    with source.open(newline="") as handle:
        reader = csv.DictReader(handle)
        header = list(reader.fieldnames or [])
        records = [r for r in reader if r["SubjectID"].startswith("18")]
    for record in records:
        for key, value in record.items():
            if value.strip() and key in REGION_COLUMNS:
                record[key] = f"{float(value) + bias_c:.2f}"
            elif value.strip() and key.startswith("T_offset") and blackbody_shows_it:
                record[key] = f"{float(value) - bias_c:.2f}"
    with target.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, header)
        writer.writeheader()
        writer.writerows(records)
    return target


def mean_absolute_error(model: CoreModel, table: SubjectTable) -> float:
    errors = []
    for s in table.subjects:
        estimate = model.estimate(table.calibrated_readings(s), s.ambient_c, s.distance_m, s.humidity_pct, s.reading_se_c)
        if isinstance(estimate, CoreEstimate) and s.oral_c is not None:
            errors.append(estimate.core_c - s.oral_c)
    return float(np.mean(np.abs(errors)))


def split(table: SubjectTable, references: int) -> tuple[SubjectTable, SubjectTable]:
    rows = table.subjects
    return (
        SubjectTable(tuple(rows[:references]), table.blackbody_offset_c),
        SubjectTable(tuple(rows[references:]), table.blackbody_offset_c),
    )


def test_a_constant_camera_offset_is_removed_by_ten_reference_people(shared_dir: Path, tmp_path: Path) -> None:
    source = shared_dir / "thermal-dev" / "flir_group1.csv"
    as_recorded = read_subjects(later_sessions_by_another_camera(source, tmp_path / "recorded.csv", False, bias_c=0.0))
    baseline = mean_absolute_error(CoreModel.load("face"), split(as_recorded, 10)[1])
    warm = read_subjects(later_sessions_by_another_camera(source, tmp_path / "warm.csv", blackbody_shows_it=False))
    references, rest = split(warm, 10)
    model = CoreModel.load("face")
    assert mean_absolute_error(model, rest) > baseline + 0.25
    offset_c, used = reference_offset_c(model, references)
    assert used == 10 and -0.8 < offset_c < -0.3, "about the skin slope (0.86) times 0.6 °C, give or take ten people's scatter"
    calibrated = with_camera_offset(model, offset_c, used, "warm.csv")
    assert mean_absolute_error(calibrated, rest) == pytest.approx(baseline, abs=0.02)
    assert calibrated.source["camera_offset"] == {"offset_c": offset_c, "references": 10, "data": "warm.csv"}


def test_a_camera_offset_its_blackbody_shows_is_removed_without_references(shared_dir: Path, tmp_path: Path) -> None:
    source = shared_dir / "thermal-dev" / "flir_group1.csv"
    plain = read_subjects(later_sessions_by_another_camera(source, tmp_path / "a.csv", blackbody_shows_it=False))
    shown = read_subjects(later_sessions_by_another_camera(source, tmp_path / "b.csv", blackbody_shows_it=True))
    assert shown.blackbody_offset_c == pytest.approx(plain.blackbody_offset_c - CAMERA_BIAS_C)
    subject = shown.subjects[0]
    assert shown.calibrated_readings(subject)["face_max"] == pytest.approx(plain.calibrated_readings(plain.subjects[0])["face_max"] - CAMERA_BIAS_C)


def test_fewer_reference_people_than_needed_are_refused(shared_dir: Path, tmp_path: Path) -> None:
    warm = read_subjects(later_sessions_by_another_camera(shared_dir / "thermal-dev" / "flir_group1.csv", tmp_path / "w.csv", False))
    references, _ = split(warm, MIN_REFERENCES - 1)
    with pytest.raises(UsageError, match=f"4 reference rows .* expected at least {MIN_REFERENCES}"):
        reference_offset_c(CoreModel.load("canthi"), references)


def test_calibrate_camera_writes_params_that_estimate_core_uses(shared_dir: Path, tmp_path: Path) -> None:
    warm = later_sessions_by_another_camera(shared_dir / "thermal-dev" / "flir_group1.csv", tmp_path / "refs.csv", False)
    out = tmp_path / "face-camera-2.json"
    kiosk = [sys.executable, "-m", "kiosk", "thermal"]
    result = subprocess.run([*kiosk, "calibrate-camera", "--csv", str(warm), "--site", "face", "--out", str(out)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert "camera offset -0." in result.stdout and "reference people" in result.stdout
    model = CoreModel.from_file(out)
    assert model.intercept_c < CoreModel.load("face").intercept_c - 0.3
    estimated = subprocess.run(
        [*kiosk, "estimate-core", "--csv", str(warm), "--site", "face", "--model", str(out), "--json"], capture_output=True, text=True, check=False
    )
    rows = [json.loads(line) for line in estimated.stdout.splitlines()]
    assert [set(row) for row in rows[:1]] == [{"id", "core_c", "fever", "refused", "reason"}]
    assert 0.05 < np.mean([row["fever"] for row in rows]) < 0.2
