"""From reference-site skin temperature to body (core) temperature: the pluggable step of the estimator.

Any function with the `SkinToCore` signature can replace the default (`TemperatureEstimator(config,
skin_to_core=…)`), e.g. an adapter over a fitted model:

    def fitted(site, skin_c, ambient_c, distance_m):
        estimate = core_model.estimate({site: skin_c}, ambient_c, distance_m)
        return CoreTemperature(estimate.core_c, estimate.uncertainty_c, model="core-model-<site>-<version>")

Sites are "forehead" (single-pixel sensor) and "canthi" (array). The default is a documented, versioned offset
model: core = skin + offset(site) + slope(site) · (ambient − 24 °C). Its numbers are least-squares fits
on the shared FLIR development split (`../shared/thermal-dev`, oral reference, 544 subjects, room
20.2–24 °C) and its uncertainty is the residual standard deviation of that fit; outside 20–24 °C it
extrapolates (hardware.md §2.3: the skin-to-core gap widens as the room cools).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

OFFSET_MODEL_VERSION = "offset-flir-group1-v1"
REFERENCE_AMBIENT_C = 24.0


@dataclass(frozen=True)
class SiteOffset:
    offset_c: float
    slope_per_c: float
    residual_sd_c: float


OFFSETS = {
    "forehead": SiteOffset(offset_c=1.91, slope_per_c=-0.174, residual_sd_c=0.45),
    "canthi": SiteOffset(offset_c=1.23, slope_per_c=-0.091, residual_sd_c=0.33),
}


@dataclass(frozen=True)
class CoreTemperature:
    """A core-temperature estimate; `model` names the model and version, recorded for audits."""

    core_c: float
    uncertainty_c: float
    model: str


class SkinToCore(Protocol):
    def __call__(self, site: str, skin_c: float, ambient_c: float, distance_m: float | None) -> CoreTemperature: ...


def _offset(site: str) -> SiteOffset:
    if site not in OFFSETS:
        raise ValueError(f"site {site!r}: expected one of {', '.join(map(repr, OFFSETS))}")
    return OFFSETS[site]


def offset_model(site: str, skin_c: float, ambient_c: float, distance_m: float | None = None) -> CoreTemperature:
    """The default skin-to-core step; distance is already compensated upstream and not used here."""
    model = _offset(site)
    core_c = skin_c + model.offset_c + model.slope_per_c * (ambient_c - REFERENCE_AMBIENT_C)
    return CoreTemperature(core_c=core_c, uncertainty_c=model.residual_sd_c, model=OFFSET_MODEL_VERSION)


def skin_for_core(site: str, core_c: float, ambient_c: float) -> float:
    """The inverse of `offset_model`: the skin temperature a person with `core_c` shows (for simulations)."""
    model = _offset(site)
    return core_c - model.offset_c - model.slope_per_c * (ambient_c - REFERENCE_AMBIENT_C)
