"""Read subjects from a CSV in the layout of the FDA/UMD facial-and-oral temperature study (flir_group1.csv).

Each row is one subject with up to four image rounds (column suffix 1–4). A reading is the mean of
its available rounds, and its standard error over those rounds says how well the rounds agree.
Oral columns may be absent (the file is then only good for estimating).
A row that is malformed or physically impossible is kept as a RefusedRow with the reason, so
callers can report it in order; the file itself is rejected only when it cannot be read at all.
"""

from __future__ import annotations

import csv
import math
import statistics
from dataclasses import dataclass
from pathlib import Path

from kiosk.errors import UsageError

ROUNDS = (1, 2, 3, 4)
READING_COLUMNS: dict[str, tuple[str, ...]] = {
    "forehead_centre_max": ("T_FHC_Max",),
    "forehead_max": ("T_FH_Max",),
    "canthi_max": ("canthiMax",),
    "upper_face_max": ("canthiMax", "T_FH_Max"),
    "face_max": ("T_Max",),
    "mouth_max": ("T_OR_Max",),
}
"""Each reading and the region columns whose maximum, round by round, it is.

`upper_face_max` is the face maximum above a mask. `face_max` (whole face) and `mouth_max` are
what an unmasked face shows; in the study the mouth was imaged just after the oral thermometer,
so only the `face` site reads them (README, "Thermal accuracy").
"""
OFFSET_COLUMN = "T_offset"
ID_COLUMN = "SubjectID"
AMBIENT_COLUMN = "T_atm"
HUMIDITY_COLUMN = "Humidity"
DISTANCE_COLUMN = "Distance"
ORAL_COLUMN = "aveOralM"
DATE_COLUMN = "Date"

# Physical limits: anything outside is a broken record, not a person. The model applies its own,
# narrower validity limits on top of these.
SKIN_LIMITS_C = (20.0, 45.0)
OFFSET_LIMITS_C = (-5.0, 5.0)
AMBIENT_LIMITS_C = (-10.0, 50.0)
HUMIDITY_LIMITS_PCT = (0.0, 100.0)
DISTANCE_LIMITS_M = (0.1, 3.0)
ORAL_LIMITS_C = (33.0, 43.0)


@dataclass(frozen=True)
class Subject:
    """One accepted row. Readings are raw camera values (°C) averaged over rounds; offsets are per round.

    `reading_se_c` is each reading's standard error over its rounds (°C), for readings seen in two
    rounds or more: large when the rounds disagree.
    """

    subject_id: str
    line: int
    readings: dict[str, float]
    reading_se_c: dict[str, float]
    blackbody_offsets_c: tuple[float, ...]
    ambient_c: float
    humidity_pct: float | None
    distance_m: float | None
    oral_c: float | None
    session: str = ""
    """The session's date as written in the file (empty when the file has no Date column): for splits by session."""


@dataclass(frozen=True)
class RefusedRow:
    subject_id: str
    line: int
    reason: str


@dataclass(frozen=True)
class SubjectTable:
    """The rows of one file, in order, and the camera's blackbody offset (°C) taken over the whole file.

    The offset (blackbody set point minus measured) is a property of the camera: the median over
    every round of the file. Per-round offsets scatter by about 0.2 °C around it (noise of the
    blackbody region), which adds more error than it removes when applied row by row.
    """

    rows: tuple[Subject | RefusedRow, ...]
    blackbody_offset_c: float

    @property
    def subjects(self) -> list[Subject]:
        return [row for row in self.rows if isinstance(row, Subject)]

    def calibrated_readings(self, subject: Subject) -> dict[str, float]:
        """The subject's readings with the camera's blackbody offset applied: what the core model expects."""
        return {name: value + self.blackbody_offset_c for name, value in subject.readings.items()}


class _Refused(Exception):
    """Internal: a row is refused; carries the reason."""


def read_subjects(path: str | Path) -> SubjectTable:
    """Read every row of `path`; raises UsageError when the file or its header is unusable."""
    path = Path(path)
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            header = reader.fieldnames or []
            _check_header(path, header)
            rows = tuple(_parse_row(record, reader.line_num) for record in reader)
    except OSError as err:
        raise UsageError(f"{path}: cannot read it ({err.strerror or err})") from err
    except (UnicodeDecodeError, csv.Error) as err:
        raise UsageError(f"{path}: not a readable CSV file ({err})") from err
    offsets = [o for row in rows if isinstance(row, Subject) for o in row.blackbody_offsets_c]
    if not offsets:
        raise UsageError(
            f"{path}: no {OFFSET_COLUMN}1–4 values in any accepted row: expected the blackbody offsets "
            "(set point minus measured) that calibrate the camera"
        )
    return SubjectTable(rows=rows, blackbody_offset_c=statistics.median(offsets))


def _check_header(path: Path, header: list[str]) -> None:
    needed = [ID_COLUMN, AMBIENT_COLUMN]
    missing = [name for name in needed if name not in header]
    if missing:
        raise UsageError(f"{path}: missing column(s) {', '.join(missing)} (expected the layout of flir_group1.csv)")
    columns = sorted({column for region in READING_COLUMNS.values() for column in region})
    if not any(f"{column}{r}" in header for column in columns for r in ROUNDS):
        expected = ", ".join(f"{column}1–4" for column in columns)
        raise UsageError(f"{path}: no reading columns (expected some of {expected})")


def _parse_row(record: dict[str | None, str | list[str] | None], line: int) -> Subject | RefusedRow:
    subject_id = str(record.get(ID_COLUMN) or "").strip()
    try:
        if None in record:
            raise _Refused(f"more fields than the header has ({len(record) - 1 + len(record[None] or [])})")
        if not subject_id:
            raise _Refused(f"{ID_COLUMN} is empty")
        readings, reading_se_c = {}, {}
        for name, region in READING_COLUMNS.items():
            rounds = [v for r in ROUNDS if (v := _region_max(record, region, r)) is not None]
            if rounds:
                readings[name] = statistics.fmean(rounds)
            if len(rounds) > 1:
                reading_se_c[name] = statistics.stdev(rounds) / math.sqrt(len(rounds))
        offsets = tuple(
            v for r in ROUNDS if (v := _number(record, f"{OFFSET_COLUMN}{r}", OFFSET_LIMITS_C, "°C")) is not None
        )
        ambient_c = _number(record, AMBIENT_COLUMN, AMBIENT_LIMITS_C, "°C")
        if ambient_c is None:
            raise _Refused(f"{AMBIENT_COLUMN} is empty: the ambient temperature is needed")
        return Subject(
            subject_id=subject_id,
            line=line,
            readings=readings,
            reading_se_c=reading_se_c,
            blackbody_offsets_c=offsets,
            ambient_c=ambient_c,
            humidity_pct=_number(record, HUMIDITY_COLUMN, HUMIDITY_LIMITS_PCT, "% RH"),
            distance_m=_number(record, DISTANCE_COLUMN, DISTANCE_LIMITS_M, "m"),
            oral_c=_number(record, ORAL_COLUMN, ORAL_LIMITS_C, "°C"),
            session=str(record.get(DATE_COLUMN) or "").strip(),
        )
    except _Refused as refused:
        return RefusedRow(subject_id=subject_id, line=line, reason=str(refused))


def _region_max(record: dict, region: tuple[str, ...], round_: int) -> float | None:
    """The maximum over the region's columns in one round; None unless every column has a value that round."""
    values = [_number(record, f"{column}{round_}", SKIN_LIMITS_C, "°C") for column in region]
    return None if None in values else max(v for v in values if v is not None)


def _number(record: dict, column: str, limits: tuple[float, float], unit: str) -> float | None:
    """The column's value, None when the column or value is absent; refuses text and values outside `limits`."""
    text = record.get(column)
    if text is None or not str(text).strip():
        return None
    try:
        value = float(text)
    except ValueError:
        raise _Refused(f"{column} = {text!r}: expected a number") from None
    if not math.isfinite(value) or not limits[0] <= value <= limits[1]:
        raise _Refused(f"{column} = {text.strip()}: expected {limits[0]:g}–{limits[1]:g} {unit}")
    return value
