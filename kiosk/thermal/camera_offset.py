"""Calibrate a core model to a new camera from a few people measured with both it and a clinical thermometer.

A camera that reads every face a constant amount warm or cold shifts every estimate by the model's
skin slope times that amount. Its blackbody offset removes it when the offset shows it (the CSV's
`T_offset*`, or `kiosk thermal calibrate` at the gate); when it does not (a camera whose blackbody
region reads right but whose face readings do not, or no blackbody at all), the shift is measured on
reference people: the median of oral minus estimate over them moves the model's intercept. The
median, not the mean, so one person with a fever the thermometer caught and the camera did not pulls
it no further than anyone else.
"""

from __future__ import annotations

import statistics
from dataclasses import replace

from kiosk.errors import UsageError
from kiosk.thermal.core_model import CoreEstimate, CoreModel
from kiosk.thermal.csv_reader import SubjectTable

MIN_REFERENCES = 5
"""Fewer people than this cannot tell a camera offset from the ±0.25 °C each person scatters by."""


def reference_offset_c(model: CoreModel, table: SubjectTable) -> tuple[float, int]:
    """The median of oral − estimate (°C) over rows with an oral reading that the model estimates, and how many there were."""
    differences = []
    for subject in table.subjects:
        if subject.oral_c is None:
            continue
        estimate = model.estimate(
            table.calibrated_readings(subject), subject.ambient_c, subject.distance_m, subject.humidity_pct, subject.reading_se_c
        )
        if isinstance(estimate, CoreEstimate):
            differences.append(subject.oral_c - estimate.core_c)
    if len(differences) < MIN_REFERENCES:
        raise UsageError(
            f"{len(differences)} reference rows with an oral reading (aveOralM) that the {model.site} model estimates: "
            f"expected at least {MIN_REFERENCES}"
        )
    return statistics.median(differences), len(differences)


def with_camera_offset(model: CoreModel, offset_c: float, references: int, data_name: str) -> CoreModel:
    """The model with its intercept moved by `offset_c` (°C), the references recorded in its source."""
    camera = {"offset_c": offset_c, "references": references, "data": data_name}
    return replace(model, intercept_c=model.intercept_c + offset_c, source={**model.source, "camera_offset": camera})
