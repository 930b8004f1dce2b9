"""What the estimator says about one person: an estimate, or a refusal with its reason."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class RefusalReason(StrEnum):
    UNSTABLE = "unstable"
    TOO_FAR = "too-far"
    AMBIENT_OUT_OF_RANGE = "ambient-out-of-range"
    SENSOR_FAULT = "sensor-fault"


@dataclass(frozen=True)
class TemperatureEstimate:
    """A body-temperature estimate. `uncertainty_c` is one standard uncertainty of `body_c`.

    `site_c` is the reference-site skin temperature it came from (forehead for a spot sensor, inner
    canthus for an array), after calibration and emissivity correction; `elapsed_s` runs from the
    first reading of this subject to the verdict; `core_model` names the skin-to-core model used.
    """

    body_c: float
    uncertainty_c: float
    calibrated: bool
    above_threshold: bool
    in_remeasure_band: bool
    threshold_c: float
    site: str
    site_c: float
    ambient_c: float
    distance_m: float | None
    elapsed_s: float
    core_model: str

    @property
    def sentence(self) -> str:
        relation = "at or above" if self.above_threshold else "below"
        return f"temperature {self.body_c:.1f} °C is {relation} the limit {self.threshold_c:.1f} °C"


@dataclass(frozen=True)
class TemperatureRefusal:
    """No estimate: the measurement is not trustworthy. `sentence` says why, for the person and the log."""

    reason: RefusalReason
    sentence: str
    elapsed_s: float


TemperatureResult = TemperatureEstimate | TemperatureRefusal
