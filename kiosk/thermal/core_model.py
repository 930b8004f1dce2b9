"""From calibrated skin readings to an oral-equivalent core temperature, its uncertainty and a fever decision.

An infrared sensor sees skin, not the body's core: the model here is a small linear formula in what a
site's sensor can see plus the ambient temperature, optionally with hinge terms. The shipped params are
least squares on the site's reading and the room (`kiosk.thermal.heat_exchange`), chosen over the hinge
fit of `kiosk.thermal.fit` because they hold in rooms the data never had (docs/thermal-validation.md).
Readings are blackbody-calibrated skin temperatures in °C (what a sensor reports once its offset
against a reference source is applied). The fitted parameters ship in `params/<site>.json`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kiosk.errors import UsageError

PARAMS_DIR = Path(__file__).resolve().parent / "params"

READINGS: dict[str, str] = {
    "forehead_centre_max": "maximum at the forehead centre (what a single-pixel forehead sensor reads)",
    "forehead_max": "maximum over the whole forehead",
    "canthi_max": "maximum over the inner canthi",
    "upper_face_max": "maximum over the face above a mask: inner canthi and forehead",
    "face_max": "maximum over the whole face, mouth included",
    "mouth_max": "maximum over the mouth region",
}
SITES: dict[str, tuple[str, ...]] = {
    "forehead": ("forehead_centre_max",),
    "canthi": ("canthi_max",),
    "face": ("face_max", "upper_face_max", "canthi_max", "forehead_max", "forehead_centre_max", "mouth_max"),
    "upper-face": ("upper_face_max", "canthi_max", "forehead_max", "forehead_centre_max"),
}
"""What each site's sensor sees. `face` is an array sensor's view of the whole, unmasked face (issue 9);
`upper-face` is what shows above a mask, with no mouth region. In the fitting data the mouth was
imaged just after an oral thermometer, so `face` figures are optimistic for a gate (README)."""
CONDITIONS = ("ambient_c",)

DEFAULT_FEVER_THRESHOLD_C = 37.5
SKIN_RANGE_C = (30.0, 42.0)
HUMIDITY_RANGE_PCT = (0.0, 100.0)
DISTANCE_RANGE_M = (0.1, 3.0)
OPERATING_RANGE_C = (16.0, 32.0)
"""Rooms the kiosk estimates in, °C. Below about 16 °C facial skin vasoconstricts and stops following the
core; above about 32 °C it is within a few degrees of the skin and sweating takes over from the dry heat
exchange the model's ambient term describes (docs/thermal-validation.md: the error across the range)."""


@dataclass(frozen=True)
class CoreEstimate:
    """An oral-equivalent temperature (°C), one standard deviation of its error against oral (°C), and the verdict.

    The uncertainty grows with the reading's own standard error over frames or rounds, when given.
    """

    core_c: float
    uncertainty_c: float
    fever: bool


@dataclass(frozen=True)
class Refusal:
    """The model would not estimate from these inputs; `reason` says which input and what was expected."""

    reason: str


@dataclass(frozen=True)
class Term:
    """One input of the linear model: a reading or condition, or its hinge `max(x - knot_c, 0)` when knot_c is set."""

    input: str
    knot_c: float | None = None

    def value(self, inputs: Mapping[str, float]) -> float:
        x = inputs[self.input]
        return x if self.knot_c is None else max(x - self.knot_c, 0.0)

    def slope(self, inputs: Mapping[str, float]) -> float:
        """d value / d input at `inputs`: 1 for a linear term, 1 or 0 for a hinge above or below its knot."""
        return 1.0 if self.knot_c is None or inputs[self.input] > self.knot_c else 0.0

    def label(self) -> str:
        return self.input if self.knot_c is None else f"max({self.input} - {self.knot_c:.2f}, 0)"


@dataclass(frozen=True)
class CoreModel:
    """A fitted core-temperature model for one measurement site.

    `fever_margin_c` lowers the decision point below the fever threshold: a regression pulls high
    temperatures toward the mean, so without it most fevers would read just under the threshold.
    The margin was tuned on held-out predictions for sensitivity at a stated specificity
    (`source["decision"]`) and applies to whatever threshold is configured.
    `uncertainty_c` is the error SD left once the readings' own noise is taken out. `noise_gain` is the
    share of that noise's variance that shows in the error against oral, fitted on held-out errors
    (0–1): 1 when frames or rounds disagree by chance, less when they differ for a reason the average
    absorbs (in the study's last round the face maximum sits at the just-measured mouth). A reading
    whose noise, carried through the model, exceeds the model's own SD is refused: a limit relative to
    the model, not a percentile of one camera's noise, so a noisier sensor is not refused wholesale
    (README, "Thermal accuracy").
    """

    site: str
    terms: tuple[Term, ...]
    coefficients: tuple[float, ...]
    intercept_c: float
    uncertainty_c: float
    fever_margin_c: float
    ambient_range_c: tuple[float, float]
    fever_threshold_c: float = DEFAULT_FEVER_THRESHOLD_C
    noise_gain: float = 1.0
    operating_range_c: tuple[float, float] = OPERATING_RANGE_C
    source: dict[str, Any] = field(default_factory=dict, compare=False)

    @classmethod
    def load(cls, site: str, fever_threshold_c: float = DEFAULT_FEVER_THRESHOLD_C) -> CoreModel:
        """The model shipped with the package for `site` (one of SITES)."""
        if site not in SITES:
            raise UsageError(f"site {site!r}: expected one of {', '.join(SITES)}")
        return cls.from_file(PARAMS_DIR / f"{site}.json", fever_threshold_c)

    @classmethod
    def from_file(cls, path: str | Path, fever_threshold_c: float = DEFAULT_FEVER_THRESHOLD_C) -> CoreModel:
        """A model written by `kiosk thermal fit`; raises UsageError when the file is unreadable or not a model."""
        path = Path(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls.from_dict(data, fever_threshold_c)
        except OSError as err:
            raise UsageError(f"core model {path}: cannot read it ({err.strerror or err})") from err
        except (ValueError, KeyError, TypeError) as err:
            raise UsageError(f"core model {path}: not a model written by 'kiosk thermal fit' ({err!r})") from err

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], fever_threshold_c: float = DEFAULT_FEVER_THRESHOLD_C) -> CoreModel:
        site = data["site"]
        terms = tuple(Term(t["input"], t.get("knot_c")) for t in data["terms"])
        allowed = set(SITES.get(site, ())) | set(CONDITIONS)
        unknown = [t.input for t in terms if t.input not in allowed]
        if site not in SITES or unknown:
            raise ValueError(f"site {site!r} cannot use inputs {unknown}")
        coefficients = tuple(float(c) for c in data["coefficients"])
        if len(coefficients) != len(terms):
            raise ValueError(f"{len(terms)} terms but {len(coefficients)} coefficients")
        low, high = data["ambient_range_c"]
        lowest, highest = data.get("operating_range_c", OPERATING_RANGE_C)
        return cls(
            site=site,
            terms=terms,
            coefficients=coefficients,
            intercept_c=float(data["intercept_c"]),
            uncertainty_c=float(data["uncertainty_c"]),
            fever_margin_c=float(data["fever_margin_c"]),
            ambient_range_c=(float(low), float(high)),
            fever_threshold_c=fever_threshold_c,
            noise_gain=float(data["noise_gain"]),
            operating_range_c=(float(lowest), float(highest)),
            source=dict(data.get("source", {})),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "site": self.site,
            "terms": [{"input": t.input, "knot_c": t.knot_c} for t in self.terms],
            "coefficients": list(self.coefficients),
            "intercept_c": self.intercept_c,
            "uncertainty_c": self.uncertainty_c,
            "fever_margin_c": self.fever_margin_c,
            "ambient_range_c": list(self.ambient_range_c),
            "noise_gain": self.noise_gain,
            "operating_range_c": list(self.operating_range_c),
            "source": self.source,
        }

    @property
    def readings(self) -> tuple[str, ...]:
        """The reading names this model needs."""
        return tuple(dict.fromkeys(t.input for t in self.terms if t.input in READINGS))

    def estimate(
        self,
        readings: Mapping[str, float],
        ambient_c: float,
        distance_m: float | None = None,
        humidity_pct: float | None = None,
        reading_se_c: Mapping[str, float] | None = None,
    ) -> CoreEstimate | Refusal:
        """Estimate oral-equivalent temperature from calibrated skin readings (°C) named as in READINGS.

        `reading_se_c` gives, per reading, its standard error over the frames or rounds it averages
        (°C); a reading without one counts as agreeing. Missing or implausible inputs, and readings
        whose rounds disagree so much that their noise outweighs the model's own error, give a
        Refusal naming the input, never a guess. Distance and humidity are not model inputs
        (humidity gained 0.003 °C of held-out MAE, not worth requiring a hygrometer; the fitting data
        spans only 0.5–0.9 m), but an implausible value marks a corrupt record.
        """
        spread = dict(reading_se_c or {})
        reason = self._check(readings, ambient_c, distance_m, humidity_pct) or self._check_spread(spread)
        if reason is not None:
            return Refusal(reason)
        inputs = {**readings, "ambient_c": ambient_c}
        noise_c = math.sqrt(self.noise_gain) * self.reading_noise_c(inputs, spread)
        if noise_c > self.uncertainty_c:
            errors = ", ".join(f"{name} ±{spread.get(name, 0.0):.2f} °C" for name in self.readings)
            return Refusal(
                f"readings disagree over their rounds (standard error {errors}), adding ±{noise_c:.2f} °C to the "
                f"estimate: expected at most the model's own ±{self.uncertainty_c:.2f} °C; measure again"
            )
        core_c = self.core_c(inputs)
        fever = core_c >= self.fever_threshold_c - self.fever_margin_c
        return CoreEstimate(core_c=core_c, uncertainty_c=math.hypot(self.uncertainty_c, noise_c), fever=fever)

    def core_c(self, inputs: Mapping[str, float]) -> float:
        """The model's formula on readings and ambient (°C, named as in its terms), without any check."""
        return self.intercept_c + sum(c * t.value(inputs) for c, t in zip(self.coefficients, self.terms))

    def reading_noise_c(self, inputs: Mapping[str, float], reading_se_c: Mapping[str, float]) -> float:
        """The readings' standard errors (°C) carried into the estimate: each times the estimate's slope in it."""
        slopes = {name: 0.0 for name in self.readings}
        for c, t in zip(self.coefficients, self.terms):
            if t.input in slopes:
                slopes[t.input] += c * t.slope(inputs)
        return math.hypot(*(slopes[name] * reading_se_c.get(name, 0.0) for name in slopes))

    @staticmethod
    def _check_spread(spread: Mapping[str, float]) -> str | None:
        for name, se_c in spread.items():  # every reading given, used or not: a NaN marks a broken record
            if not math.isfinite(se_c) or se_c < 0.0:
                return f"{name} standard error {se_c} °C over its rounds: expected a non-negative number"
        return None

    def _check(
        self,
        readings: Mapping[str, float],
        ambient_c: float,
        distance_m: float | None,
        humidity_pct: float | None,
    ) -> str | None:
        for name in self.readings:
            value = readings.get(name)
            if value is None or not math.isfinite(value):
                return f"{name} missing: the {self.site} model needs it"
            if not SKIN_RANGE_C[0] <= value <= SKIN_RANGE_C[1]:
                return f"{name} {value:.2f} °C: expected skin at {SKIN_RANGE_C[0]:g}–{SKIN_RANGE_C[1]:g} °C"
        low, high = self.operating_range_c
        if not math.isfinite(ambient_c) or not low <= ambient_c <= high:
            return f"ambient {ambient_c} °C: outside the {low:g}–{high:g} °C operating range"
        if humidity_pct is not None and not HUMIDITY_RANGE_PCT[0] <= humidity_pct <= HUMIDITY_RANGE_PCT[1]:
            return f"humidity {humidity_pct} %: expected 0–100 % RH"
        if distance_m is not None and not DISTANCE_RANGE_M[0] <= distance_m <= DISTANCE_RANGE_M[1]:
            return f"distance {distance_m} m: expected {DISTANCE_RANGE_M[0]:g}–{DISTANCE_RANGE_M[1]:g} m"
        return None
