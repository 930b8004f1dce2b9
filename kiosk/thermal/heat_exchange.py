"""Linear core models whose ambient dependence follows skin heat exchange: least squares and its physical forms.

Skin sits between the body's core and the room: in steady state the heat conducted out through the
tissue equals the heat the skin loses to the room, h_tissue·(core − skin) = h_room·(skin − room), so at
a fixed core a room warmer by 1 °C warms the skin by γ = h_room / (h_tissue + h_room) °C, and the
estimate must fall by its skin slope times γ. Every model here has that form,
core = a + β·(skin − γ·(room − REFERENCE_AMBIENT_C)), and differs only in where γ comes from:
- `least-squares` (shipped): oral on skin and room; γ is the ratio of the two slopes.
- `heat-exchange`: γ from a forward fit, skin from oral and room (what heat exchange predicts).
- `heat-exchange-passive`: γ from the skin's level alone, the share of the core-to-room gap it sits at
  with a fixed tissue conductance (no vasomotor response: a lower bound the data reject).
What the form excludes is a nonlinearity in raw skin, which a warm room reaches as if it were a
fever (docs/thermal-validation.md). All give ordinary `CoreModel`s (a reading term and an ambient
term), so the estimator, the params files and `estimate-core` are unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np

from kiosk.errors import UsageError
from kiosk.thermal.core_model import DEFAULT_FEVER_THRESHOLD_C, CoreModel, Term
from kiosk.thermal.fit import (
    DEFAULT_SEED,
    DEFAULT_SPECIFICITY,
    INNER_FOLDS,
    Dataset,
    calibrated_model,
    fit_model,
    stratified_folds,
)

REFERENCE_AMBIENT_C = 23.0
PRIMARY_READINGS = {
    "forehead": "forehead_centre_max",
    "canthi": "canthi_max",
    "face": "face_max",
    "upper-face": "upper_face_max",
}
"""The one reading each site's linear models use: what its sensor reports as the site temperature."""

Weights = tuple[float, float, float]
"""(intercept °C, slope per °C of skin, slope per °C of room)."""


def least_squares_weights(skin_c: np.ndarray, ambient_c: np.ndarray, oral_c: np.ndarray) -> Weights:
    """Oral on skin and room by ordinary least squares: the plain baseline."""
    design = np.column_stack([np.ones_like(skin_c), skin_c, ambient_c])
    intercept, skin, room = np.linalg.lstsq(design, oral_c, rcond=None)[0]
    return float(intercept), float(skin), float(room)


def forward_skin_per_ambient(skin_c: np.ndarray, ambient_c: np.ndarray, oral_c: np.ndarray) -> float:
    """γ from skin = c + r·oral + γ·room by least squares, clipped to 0–1 (the skin lies between core and room)."""
    design = np.column_stack([np.ones_like(skin_c), oral_c, ambient_c])
    gamma = float(np.linalg.lstsq(design, skin_c, rcond=None)[0][2])
    return float(np.clip(gamma, 0.0, 1.0))


def passive_skin_per_ambient(skin_c: np.ndarray, ambient_c: np.ndarray, oral_c: np.ndarray) -> float:
    """γ = 1 − r, r the median share of the room-to-core gap the skin has climbed: (skin − room) / (oral − room)."""
    share = (skin_c - ambient_c) / (oral_c - ambient_c)
    return float(np.clip(1.0 - np.median(share), 0.0, 1.0))


def heat_exchange_weights(
    skin_c: np.ndarray, ambient_c: np.ndarray, oral_c: np.ndarray, gamma: Callable[[np.ndarray, np.ndarray, np.ndarray], float]
) -> Weights:
    """core = a + β·(skin − γ·(room − reference)), γ from `gamma`, a and β by least squares."""
    skin_per_ambient = gamma(skin_c, ambient_c, oral_c)
    normalised = skin_c - skin_per_ambient * (ambient_c - REFERENCE_AMBIENT_C)
    design = np.column_stack([np.ones_like(normalised), normalised])
    intercept, slope = np.linalg.lstsq(design, oral_c, rcond=None)[0]
    return float(intercept + slope * skin_per_ambient * REFERENCE_AMBIENT_C), float(slope), float(-slope * skin_per_ambient)


WEIGHTS: dict[str, Callable[[np.ndarray, np.ndarray, np.ndarray], Weights]] = {
    "least-squares": least_squares_weights,
    "heat-exchange": lambda s, a, o: heat_exchange_weights(s, a, o, forward_skin_per_ambient),
    "heat-exchange-passive": lambda s, a, o: heat_exchange_weights(s, a, o, passive_skin_per_ambient),
}


def fit_linear(
    data: Dataset,
    kind: str,
    seed: int = DEFAULT_SEED,
    specificity: float = DEFAULT_SPECIFICITY,
    threshold_c: float = DEFAULT_FEVER_THRESHOLD_C,
) -> CoreModel:
    """Fit one of WEIGHTS on all of `data`; the fever margin and the noise share come from out-of-fold predictions."""
    weigh = WEIGHTS[kind]
    reading = PRIMARY_READINGS[data.site]
    skin, ambient, oral = data.inputs[reading], data.inputs["ambient_c"], data.oral_c
    predicted = np.empty_like(oral)
    for test in stratified_folds(oral >= threshold_c, INNER_FOLDS, seed):
        train = np.setdiff1d(np.arange(len(oral)), test)
        intercept, skin_slope, room_slope = weigh(skin[train], ambient[train], oral[train])
        predicted[test] = intercept + skin_slope * skin[test] + room_slope * ambient[test]
    intercept, skin_slope, room_slope = weigh(skin, ambient, oral)
    if skin_slope <= 0:
        raise UsageError(f"{kind} fit for {data.site}: skin slope {skin_slope:.3f}, expected warmer skin to mean a warmer core")
    source = {
        "subjects": len(data),
        "seed": seed,
        "kind": kind,
        "skin_per_ambient": -room_slope / skin_slope,
        "selection": f"{kind}: fixed form; fever margin and noise share from {INNER_FOLDS}-fold out-of-fold predictions",
    }
    terms = (Term(reading), Term("ambient_c"))
    return calibrated_model(data, terms, (skin_slope, room_slope), intercept, predicted, specificity, threshold_c, source)


def _fit_hinge(data: Dataset, seed: int, specificity: float, threshold_c: float) -> CoreModel:
    model = fit_model(data, seed, specificity, threshold_c)
    return replace(model, source={**model.source, "kind": "hinge"})


Fitter = Callable[[Dataset, int, float, float], CoreModel]
FITTERS: dict[str, Fitter] = {
    **{kind: (lambda data, seed, spec, thr, kind=kind: fit_linear(data, kind, seed, spec, thr)) for kind in WEIGHTS},
    "hinge": _fit_hinge,
}
"""Every model kind by name. `hinge` is the ridge-with-hinge selection of `kiosk.thermal.fit` (shipped before issue 16)."""
