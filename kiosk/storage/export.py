"""The decision-event export format shared by `kiosk events export` and the operator API: JSON lines or CSV."""

from __future__ import annotations

import csv
import datetime
import json
from collections.abc import Sequence
from typing import Any, TextIO

EXPORT_COLUMNS = ("id", "time", "at", "gate_id", "verdict", "reasons", "subject_ref", "temperature_above", "temperature_c")
FORMATS = ("jsonl", "csv")


def iso(epoch_s: float) -> str:
    return datetime.datetime.fromtimestamp(epoch_s, datetime.timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def export_row(event: dict[str, Any]) -> dict[str, Any]:
    return {"id": event["id"], "time": iso(event["at"]), **{k: v for k, v in event.items() if k != "id"}}


def write_export(rows: Sequence[dict[str, Any]], form: str, out: TextIO) -> None:
    if form == "jsonl":
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
        return
    writer = csv.DictWriter(out, fieldnames=EXPORT_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({**row, "reasons": ";".join(row["reasons"])})
