"""What the estimator says about one person: an estimate, or a refusal with its reason."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class RefusalReason(StrEnum):
    UNSTABLE = "unstable"
    TOO_FAR = "too-far"
    AMBIENT_OUT_OF_RANGE = "ambient-out-of-range"
    SENSOR_FAULT = "sensor-fault"
    OUTSIDE_CORE_MODEL = "outside-core-model"


@dataclass(frozen=True)
class TemperatureEstimate:
    """An oral-equivalent body-temperature estimate. `uncertainty_c` is one standard uncertainty of `body_c`.

    Fever is called from `fever_from_c`: the threshold itself, or for a fitted core model its tuned
    margin below it (a regression under-reads fevers). `site_c` is the reference-site skin
    temperature it came from (forehead for a spot sensor, the face's hottest pixel for an array),
    after calibration and emissivity correction; `elapsed_s` runs from the first reading of this
    subject to the verdict; `core_model` names the skin-to-core model used.
    """

    body_c: float
    uncertainty_c: float
    calibrated: bool
    above_threshold: bool
    in_remeasure_band: bool
    threshold_c: float
    fever_from_c: float
    site: str
    site_c: float
    ambient_c: float
    distance_m: float | None
    elapsed_s: float
    core_model: str

    @property
    def sentence(self) -> str:
        relation = "at or above" if self.above_threshold else "below"
        limit = f"the limit {self.threshold_c:.1f} °C oral-equivalent"
        if self.fever_from_c < self.threshold_c:
            limit = f"{self.fever_from_c:.2f} °C, where fever is called for {limit}"
        return f"temperature {self.body_c:.1f} °C is {relation} {limit}"


@dataclass(frozen=True)
class TemperatureRefusal:
    """No estimate: the measurement is not trustworthy. `sentence` says why, for the person and the log."""

    reason: RefusalReason
    sentence: str
    elapsed_s: float


TemperatureResult = TemperatureEstimate | TemperatureRefusal
