"""From reference-site skin temperature to an oral-equivalent body temperature: the pluggable step of the estimator.

Two implementations of `SkinToCore`, chosen by `[thermal] core_model`:
- `FittedSkinToCore` (default, "fitted"): the core model shipped for the site (`kiosk.thermal.core_model`,
  fitted by `kiosk thermal fit` on oral references, README "Thermal accuracy"). It refuses readings it
  was not fitted for, and calls fever from a point below the threshold because a regression under-reads
  fevers.
- `OffsetSkinToCore` ("offset"): core = skin + offset(site) + slope(site) · (ambient − 24 °C), least-squares
  fits on the same data (oral reference, 544 subjects, room 20.2–24 °C), uncertainty the fit's residual
  SD; it calls fever at the threshold itself and extrapolates outside 20–24 °C (hardware.md §2.3).

Both give oral-equivalent °C, so one threshold (default 37.5 °C) means the same for either. Sites are
"forehead" (single-pixel sensor), "canthi" and "upper-face" (array: the hottest pixel of the face, which
above a mask is the hotter of the inner canthi and the forehead).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol

from kiosk.errors import ConfigError
from kiosk.thermal.core_model import CoreEstimate, CoreModel, Refusal

OFFSET_MODEL_VERSION = "offset-flir-group1-v1"
REFERENCE_AMBIENT_C = 24.0
SITE_READINGS = {"forehead": "forehead_centre_max", "canthi": "canthi_max", "upper-face": "upper_face_max"}
"""The core model's reading that the estimator's single site temperature is, per site."""
INVERSE_SKIN_RANGE_C = (20.0, 45.0)


@dataclass(frozen=True)
class CoreTemperature:
    """An oral-equivalent estimate (°C) with one standard uncertainty (°C), the sensor noise included.

    `skin_slope` is °C of estimate per °C of skin at this reading: how the sensor's remaining
    uncertainty (calibration, emissivity) carries into the estimate. `model` names the model and
    version, recorded for audits.
    """

    core_c: float
    uncertainty_c: float
    skin_slope: float
    model: str


class SkinToCore(Protocol):
    def estimate(self, site: str, skin_c: float, ambient_c: float, skin_se_c: float) -> CoreTemperature | Refusal:
        """Estimate from a site's skin temperature (°C) and its standard error over frames (°C), or refuse."""
        ...

    def fever_from_c(self, site: str, threshold_c: float) -> float:
        """The estimate (°C) at and above which this model calls fever for an oral threshold `threshold_c`."""
        ...

    def core_c(self, site: str, skin_c: float, ambient_c: float) -> float:
        """The model's formula without its validity checks (for simulations)."""
        ...


@dataclass(frozen=True)
class SiteOffset:
    offset_c: float
    slope_per_c: float
    residual_sd_c: float


OFFSETS = {
    "forehead": SiteOffset(offset_c=1.91, slope_per_c=-0.174, residual_sd_c=0.45),
    "canthi": SiteOffset(offset_c=1.23, slope_per_c=-0.091, residual_sd_c=0.33),
}


class OffsetSkinToCore:
    """The documented offset model; never refuses."""

    def estimate(self, site: str, skin_c: float, ambient_c: float, skin_se_c: float) -> CoreTemperature:
        return CoreTemperature(
            core_c=self.core_c(site, skin_c, ambient_c),
            uncertainty_c=math.hypot(_offset(site).residual_sd_c, skin_se_c),
            skin_slope=1.0,
            model=OFFSET_MODEL_VERSION,
        )

    def fever_from_c(self, site: str, threshold_c: float) -> float:
        return threshold_c

    def core_c(self, site: str, skin_c: float, ambient_c: float) -> float:
        model = _offset(site)
        return skin_c + model.offset_c + model.slope_per_c * (ambient_c - REFERENCE_AMBIENT_C)


def _offset(site: str) -> SiteOffset:
    if site not in OFFSETS:
        raise ValueError(f"site {site!r}: expected one of {', '.join(map(repr, OFFSETS))}")
    return OFFSETS[site]


class FittedSkinToCore:
    """The fitted core model of each site, fed the estimator's site temperature as the reading it was fitted on."""

    def __init__(self, models: Mapping[str, CoreModel]) -> None:
        for site, model in models.items():
            if site not in SITE_READINGS:
                raise ConfigError([f"core model site {site!r}: the estimator measures only {', '.join(SITE_READINGS)}"])
            if model.readings != (SITE_READINGS[site],):
                raise ConfigError([
                    f"core model for {site} reads {', '.join(model.readings)}: expected {SITE_READINGS[site]} alone, "
                    "the one temperature the estimator measures there; refit it with 'kiosk thermal fit'"
                ])
        self._models = dict(models)
        self._versions = {site: _version(site, model) for site, model in models.items()}

    @classmethod
    def load(cls, sites: Iterable[str]) -> FittedSkinToCore:
        """The models shipped with the package for `sites`."""
        return cls({site: CoreModel.load(site) for site in sites})

    def estimate(self, site: str, skin_c: float, ambient_c: float, skin_se_c: float) -> CoreTemperature | Refusal:
        model, reading = self._model(site), SITE_READINGS[site]
        # Distance is not a model input and the estimator checks it itself; a spot sensor's few
        # centimetres would fail the model's plausibility check for recorded distances.
        estimate = model.estimate({reading: skin_c}, ambient_c, reading_se_c={reading: skin_se_c})
        if not isinstance(estimate, CoreEstimate):
            return estimate
        slope = model.reading_noise_c({reading: skin_c, "ambient_c": ambient_c}, {reading: 1.0})
        return CoreTemperature(estimate.core_c, estimate.uncertainty_c, slope, self._versions[site])

    def fever_from_c(self, site: str, threshold_c: float) -> float:
        return threshold_c - self._model(site).fever_margin_c

    def core_c(self, site: str, skin_c: float, ambient_c: float) -> float:
        return self._model(site).core_c({SITE_READINGS[site]: skin_c, "ambient_c": ambient_c})

    def _model(self, site: str) -> CoreModel:
        if site not in self._models:
            raise ValueError(f"site {site!r}: no core model loaded (loaded: {', '.join(self._models)})")
        return self._models[site]


def _version(site: str, model: CoreModel) -> str:
    digest = hashlib.sha256(json.dumps(model.to_dict(), sort_keys=True).encode()).hexdigest()
    return f"core-model-{site}-{digest[:8]}"


def skin_for_core(skin_to_core: SkinToCore, site: str, core_c: float, ambient_c: float) -> float:
    """The skin temperature (°C) whose estimate is `core_c` (for simulations), by bisection.

    Every model here rises with skin temperature (fitted slopes are non-negative), so the answer is
    unique where the slope is positive; outside 20–45 °C of skin it is clipped to the range.
    """
    low, high = INVERSE_SKIN_RANGE_C
    for _ in range(60):
        middle = (low + high) / 2
        if skin_to_core.core_c(site, middle, ambient_c) < core_c:
            low = middle
        else:
            high = middle
    return (low + high) / 2
