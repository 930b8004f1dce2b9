"""`kiosk thermal estimate-core` and `kiosk thermal fit`, run as a user would."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.thermal.core_model import PARAMS_DIR, CoreModel

STUDY = Path("thermal-dev") / "flir_group1.csv"


def kiosk(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kiosk", *args], capture_output=True, text=True, check=False)


def without_oral_and_with_a_bad_row(source: Path, target: Path, rows: int = 5) -> Path:
    with source.open(newline="") as handle:
        records = list(csv.DictReader(handle))[:rows]
    header = [name for name in records[0] if not name.startswith("aveOral")]
    records[1]["Distance"] = "79"
    for column in ("canthiMax", "T_Max"):
        for round_ in "1234":
            records[2][f"{column}{round_}"] = ""
    with target.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, header, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(records)
    return target


@pytest.mark.parametrize(("site", "reading"), [("face", "face_max"), ("upper-face", "upper_face_max")])
def test_estimate_core_prints_one_object_per_row(shared_dir: Path, tmp_path: Path, site: str, reading: str) -> None:
    path = without_oral_and_with_a_bad_row(shared_dir / STUDY, tmp_path / "no-oral.csv")
    result = kiosk("thermal", "estimate-core", "--csv", str(path), "--site", site, "--json")
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [set(row) for row in rows] == [{"id", "core_c", "fever", "refused", "reason"}] * 5
    assert [row["refused"] for row in rows] == [False, True, True, False, False]
    assert "Distance = 79: expected 0.1–3 m" in rows[1]["reason"]
    assert rows[2]["reason"] == f"{reading} missing: the {site} model needs it"
    assert rows[1]["core_c"] is None and rows[1]["fever"] is False
    assert all(36.0 < row["core_c"] < 38.0 and row["reason"] == "" for row in rows if not row["refused"])


def test_estimate_core_refuses_few_rows_of_the_study_file(shared_dir: Path) -> None:
    result = kiosk("thermal", "estimate-core", "--csv", str(shared_dir / STUDY), "--site", "canthi", "--json")
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == 544
    assert sum(row["refused"] for row in rows) <= 0.02 * len(rows)
    assert 0.05 < sum(row["fever"] for row in rows) / len(rows) < 0.2


def test_estimate_core_text_output_is_one_line_per_row(shared_dir: Path, tmp_path: Path) -> None:
    path = without_oral_and_with_a_bad_row(shared_dir / STUDY, tmp_path / "no-oral.csv")
    result = kiosk("thermal", "estimate-core", "--csv", str(path), "--site", "forehead")
    lines = result.stdout.splitlines()
    assert len(lines) == 5
    assert "refused" in lines[1] and "°C" in lines[0]


def test_fit_writes_params_the_estimator_loads(shared_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "forehead.json"
    result = kiosk("thermal", "fit", "--csv", str(shared_dir / STUDY), "--site", "forehead", "--out", str(out), "--seed", "3")
    assert result.returncode == 0, result.stderr
    assert "held-out (nested CV)" in result.stdout
    model = CoreModel.from_file(out)
    assert model.site == "forehead"
    assert model.source["data"] == "flir_group1.csv" and model.source["seed"] == 3
    assert model.source["held_out"]["subjects"] == 544
    estimate = kiosk("thermal", "estimate-core", "--csv", str(shared_dir / STUDY), "--site", "forehead", "--model", str(out), "--json")
    assert estimate.returncode == 0 and len(estimate.stdout.splitlines()) == 544


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--site", "face", "--csv", "absent.csv"], "absent.csv: cannot read it"),
        (["--site", "forehead", "--csv", "x.csv", "--model", str(PARAMS_DIR / "face.json")], "fitted for site 'face'"),
    ],
)
def test_estimate_core_input_errors_are_one_line(args: list[str], message: str, tmp_path: Path) -> None:
    result = kiosk("thermal", "estimate-core", *args)
    assert result.returncode == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_fit_writes_the_kind_it_was_asked_for(shared_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "canthi.json"
    result = kiosk("thermal", "fit", "--csv", str(shared_dir / STUDY), "--site", "canthi", "--kind", "heat-exchange", "--out", str(out))
    assert result.returncode == 0, result.stderr
    model = CoreModel.from_file(out)
    assert model.source["kind"] == "heat-exchange" and [t.input for t in model.terms] == ["canthi_max", "ambient_c"]


def test_shipped_params_are_least_squares_on_the_sites_reading_and_the_room() -> None:
    for site in ("face", "canthi", "upper-face", "forehead"):
        model = CoreModel.load(site)
        assert model.source["kind"] == "least-squares" and len(model.terms) == 2
        assert model.operating_range_c == (16.0, 32.0)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--site", "face", "--csv", "absent.csv", "--split", "date"], "absent.csv: cannot read it"),
        (["--site", "face", "--csv", "x.csv", "--split", "date", "--fit-share", "0.95"], "--fit-share 0.95: expected a fraction"),
    ],
)
def test_validate_input_errors_are_one_line(args: list[str], message: str) -> None:
    result = kiosk("thermal", "validate", *args)
    assert result.returncode == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_the_commands_offer_every_fitted_kind() -> None:
    from kiosk.cli.thermal_core import KIND_CHOICES
    from kiosk.thermal.heat_exchange import FITTERS

    assert KIND_CHOICES == tuple(FITTERS)
