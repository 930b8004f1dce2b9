"""The CSV reader: rounds averaged with their standard error, camera offset from the whole file, no mouth
region read, malformed rows refused with a reason."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from kiosk.errors import UsageError
from kiosk.thermal.core_model import SITES
from kiosk.thermal.csv_reader import RefusedRow, Subject, read_subjects


def subject_row(subject_id: str, **overrides: str) -> dict[str, str]:
    row = {"SubjectID": subject_id, "T_atm": "23.0", "Humidity": "30", "Distance": "0.8", "aveOralM": "37.0"}
    for r in (1, 2, 3, 4):
        row |= {
            f"T_offset{r}": "0.80",
            f"T_Max{r}": "35.50",
            f"T_OR_Max{r}": "35.00",
            f"canthiMax{r}": "35.40",
            f"T_FH_Max{r}": "35.00",
            f"T_FHC_Max{r}": "34.80",
        }
    row.update(overrides)
    return row


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    header = list(dict.fromkeys(key for row in rows for key in row))
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, header)
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_readings_are_the_mean_of_available_rounds_with_their_standard_error(tmp_path: Path) -> None:
    row = subject_row("a", canthiMax1="35.0", canthiMax2="36.0", canthiMax3="", canthiMax4="", T_FHC_Max4="")
    (subject,) = read_subjects(write_csv(tmp_path / "s.csv", [row])).subjects
    assert subject.readings["canthi_max"] == pytest.approx(35.5)
    assert subject.reading_se_c["canthi_max"] == pytest.approx(0.5)  # SD 0.71 over 2 rounds
    assert subject.readings["forehead_centre_max"] == pytest.approx(34.8)
    assert subject.reading_se_c["forehead_centre_max"] == pytest.approx(0.0)
    assert subject.oral_c == 37.0


def test_upper_face_is_the_hotter_of_canthi_and_forehead_round_by_round(tmp_path: Path) -> None:
    row = subject_row("a", canthiMax1="35.0", T_FH_Max1="35.8", canthiMax2="36.0", T_FH_Max2="35.1", canthiMax3="", canthiMax4="")
    (subject,) = read_subjects(write_csv(tmp_path / "s.csv", [row])).subjects
    assert subject.readings["upper_face_max"] == pytest.approx((35.8 + 36.0) / 2)


def test_the_mouth_and_whole_face_maximum_change_no_upper_face_reading(tmp_path: Path) -> None:
    """A mask hides the mouth; in the study it was imaged just after an oral thermometer."""
    hot_mouth = subject_row("b", **{f"{column}{r}": "37.9" for column in ("T_Max", "T_OR_Max") for r in (1, 2, 3, 4)})
    cool, hot = read_subjects(write_csv(tmp_path / "s.csv", [subject_row("a"), hot_mouth])).subjects
    assert hot.readings["face_max"] == hot.readings["mouth_max"] == pytest.approx(37.9)
    upper_face = set(SITES["upper-face"])
    assert {k: v for k, v in cool.readings.items() if k in upper_face} == {k: v for k, v in hot.readings.items() if k in upper_face}


def test_camera_offset_is_the_median_over_the_file_and_applied_to_every_reading(tmp_path: Path) -> None:
    rows = [subject_row("a"), subject_row("b", T_offset1="3.0"), subject_row("c", T_offset2="0.5")]
    table = read_subjects(write_csv(tmp_path / "s.csv", rows))
    assert table.blackbody_offset_c == pytest.approx(0.8)
    assert table.calibrated_readings(table.subjects[1])["canthi_max"] == pytest.approx(36.2)


def test_oral_columns_may_be_absent(tmp_path: Path) -> None:
    row = subject_row("a")
    del row["aveOralM"]
    (subject,) = read_subjects(write_csv(tmp_path / "s.csv", [row])).subjects
    assert subject.oral_c is None


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"Distance": "79"}, "Distance = 79: expected 0.1–3 m"),
        ({"T_FH_Max2": "abc"}, "T_FH_Max2 = 'abc': expected a number"),
        ({"canthiMax3": "3.54"}, "canthiMax3 = 3.54: expected 20–45 °C"),
        ({"T_atm": ""}, "T_atm is empty"),
        ({"Humidity": "140"}, "Humidity = 140: expected 0–100 % RH"),
        ({"aveOralM": "3.7"}, "aveOralM = 3.7: expected 33–43 °C"),
        ({"T_offset1": "nan"}, "T_offset1 = nan: expected -5–5 °C"),
        ({"SubjectID": " "}, "SubjectID is empty"),
    ],
)
def test_malformed_or_impossible_rows_are_refused_with_a_reason(tmp_path: Path, overrides: dict, reason: str) -> None:
    table = read_subjects(write_csv(tmp_path / "s.csv", [subject_row("good"), subject_row("bad", **overrides)]))
    good, bad = table.rows
    assert isinstance(good, Subject)
    assert isinstance(bad, RefusedRow)
    assert reason in bad.reason
    assert bad.line == 3


def test_a_row_with_extra_fields_is_refused(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "s.csv", [subject_row("a")])
    path.write_text(path.read_text() + path.read_text().splitlines()[1].replace("a,", "b,", 1) + ",extra\n")
    _, extra = read_subjects(path).rows
    assert isinstance(extra, RefusedRow)
    assert "more fields than the header" in extra.reason


def test_a_file_without_the_id_or_ambient_column_is_rejected(tmp_path: Path) -> None:
    row = subject_row("a")
    del row["T_atm"]
    with pytest.raises(UsageError, match="missing column.*T_atm"):
        read_subjects(write_csv(tmp_path / "s.csv", [row]))


def test_a_file_without_blackbody_offsets_is_rejected(tmp_path: Path) -> None:
    row = {k: v for k, v in subject_row("a").items() if not k.startswith("T_offset")}
    with pytest.raises(UsageError, match="T_offset1–4"):
        read_subjects(write_csv(tmp_path / "s.csv", [row]))


def test_a_missing_file_names_the_path(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="absent.csv: cannot read it"):
        read_subjects(tmp_path / "absent.csv")


def test_the_study_file_reads_without_refusals(shared_dir: Path) -> None:
    table = read_subjects(shared_dir / "thermal-dev" / "flir_group1.csv")
    assert len(table.rows) == 544
    assert all(isinstance(row, Subject) for row in table.rows)
    assert 0.6 < table.blackbody_offset_c < 1.0
