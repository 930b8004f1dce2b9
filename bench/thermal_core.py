"""Core-temperature model: held-out accuracy per site, its spread over seeds, and what a second camera could do to it.

Reads ../shared/thermal-dev/flir_group1.csv (or $KIOSK_SHARED_DIR). Figures are against oral temperature
(aveOralM), from nested cross-validation over subjects. Variants:
- `by_period`: fitted on 2016–17 subjects and judged on 2018 ones, and the other way round: other
  subjects, other sessions, no shuffling across them.
- `without_round_4`: in round 4 the face maximum sits at the mouth for 89 % of subjects (vs 18 % in
  round 1), just after the oral thermometer. `face` (whole face) may lean on that; `upper-face` reads
  no mouth region, so refitting it with round 4 blanked should change little. Both are refitted.
- `second_camera`: the shipped models (fitted on all subjects, so in-sample) applied to the same
  subjects as recorded, and as seen by a camera whose scale differs by ±5 % around 35 °C, or whose
  bias is −0.5 °C (with its blackbody offsets showing it). Compare each with `as_recorded`.
"""

from __future__ import annotations

import csv
import os
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from kiosk.thermal.core_model import SITES, CoreModel
from kiosk.thermal.csv_reader import READING_COLUMNS, SubjectTable, read_subjects
from kiosk.thermal.fit import DEFAULT_SEED, Dataset, estimate_all, figures_dict, fit_model, held_out_figures, judge

SEEDS = (DEFAULT_SEED, 1, 2)


def run() -> dict:
    study = _shared_dir() / "thermal-dev" / "flir_group1.csv"
    table = read_subjects(study)
    result: dict = {"data": str(study), "held_out": {}, "held_out_over_seeds": {}, "by_period": {}}
    for site in SITES:
        data = Dataset.from_table(table, site)
        runs = [figures_dict(held_out_figures(data, seed=seed)) for seed in SEEDS]
        result["held_out"][site] = runs[0]
        result["by_period"][site] = _by_period(data)
        result["held_out_over_seeds"][site] = {
            key: [min(r[key] for r in runs), max(r[key] for r in runs)] for key in ("mae_c", "within_0_5", "sensitivity", "specificity")
        }
    with tempfile.TemporaryDirectory() as folder:
        without_round_4 = read_subjects(_rewrite(study, Path(folder) / "r123.csv", _blank_round_4))
        result["without_round_4"] = {
            site: figures_dict(held_out_figures(Dataset.from_table(without_round_4, site))) for site in ("face", "upper-face")
        }
        result["second_camera"] = {
            name: {site: _shipped_figures(read_subjects(_rewrite(study, Path(folder) / f"{name}.csv", change)), site) for site in SITES}
            for name, change in _CAMERAS.items()
        }
    result["oral_monitor_vs_fast_mode_mae_c"] = _oral_modes_disagreement(study)
    result["estimate_us_per_call"] = _time_estimate(table)
    result["note"] = "timings on a shared 2-core machine: noisy and pessimistic"
    return result


def _shared_dir() -> Path:
    return Path(os.environ.get("KIOSK_SHARED_DIR", Path(__file__).resolve().parent.parent.parent / "shared"))


def _oral_modes_disagreement(study: Path) -> float:
    """Mean |monitor − fast mode| of the oral thermometer: the reference's own scatter, a floor for any model."""
    with study.open(newline="") as handle:
        pairs = [(r["aveOralM"], r["aveOralF"]) for r in csv.DictReader(handle) if r["aveOralM"] and r["aveOralF"]]
    return round(statistics.fmean(abs(float(m) - float(f)) for m, f in pairs), 3)


def _shipped_figures(table: SubjectTable, site: str) -> dict:
    model = CoreModel.load(site)
    labelled = [s for s in table.subjects if s.oral_c is not None]
    estimates = [
        model.estimate(table.calibrated_readings(s), s.ambient_c, s.distance_m, s.humidity_pct, s.reading_se_c) for s in labelled
    ]
    return figures_dict(judge(estimates, np.array([s.oral_c for s in labelled])))


def _by_period(data: Dataset) -> dict:
    """Fit on one period of the study, judge on the other (SubjectID starts with the date, yymmdd)."""
    early = np.flatnonzero(np.array([sid[:2] < "18" for sid in data.subject_ids]))
    late = np.setdiff1d(np.arange(len(data)), early)
    result = {}
    for name, train, test in (("2016-17 -> 2018", early, late), ("2018 -> 2016-17", late, early)):
        model = fit_model(data.subset(train))
        result[name] = figures_dict(judge(estimate_all(model, data.subset(test)), data.oral_c[test]))
    return result


def _rewrite(source: Path, target: Path, change) -> Path:
    with source.open(newline="") as handle:
        reader = csv.DictReader(handle)
        header = list(reader.fieldnames or [])
        records = [change(record) for record in reader]
    with target.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, header)
        writer.writeheader()
        writer.writerows(records)
    return target


_REGION_COLUMNS = {column for region in READING_COLUMNS.values() for column in region}


def _blank_round_4(record: dict) -> dict:
    return {k: ("" if k.endswith("4") and k[:-1] in (*_REGION_COLUMNS, "T_offset") else v) for k, v in record.items()}


def _camera(scale: float, bias_c: float):
    reading_columns = {f"{column}{r}" for column in _REGION_COLUMNS for r in (1, 2, 3, 4)}

    def change(record: dict) -> dict:
        changed = dict(record)
        for key, value in record.items():
            if value.strip() and key in reading_columns:
                changed[key] = f"{35.0 + scale * (float(value) - 35.0) + bias_c:.2f}"
            elif value.strip() and key.startswith("T_offset"):
                changed[key] = f"{float(value) - bias_c:.2f}"
        return changed

    return change


_CAMERAS = {"as_recorded": _camera(1.0, 0.0), "scale_0.95": _camera(0.95, 0.0), "scale_1.05": _camera(1.05, 0.0), "bias_-0.5": _camera(1.0, -0.5)}


def _time_estimate(table: SubjectTable) -> float:
    model = CoreModel.load("face")
    inputs = [(table.calibrated_readings(s), s.ambient_c) for s in table.subjects]
    started = time.perf_counter()
    for readings, ambient_c in inputs:
        model.estimate(readings, ambient_c)
    return round((time.perf_counter() - started) / len(inputs) * 1e6, 1)
