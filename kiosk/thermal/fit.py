"""Fit a core-temperature model for one site, choosing it by cross-validation over subjects (the `hinge` kind).

Not the shipped kind since issue 16: its hinge sits in raw skin, which a warm room lifts, so it
over-reads healthy people in rooms warmer than its data (docs/thermal-validation.md). The
`Dataset`, `judge` and `held_out_figures` here serve every kind.

Candidates are small ridge regressions: one to three of the site's readings, the ambient
temperature, and optionally one hinge `max(reading - knot, 0)` (skin warms
less per degree of core at the top of the range, so a straight line under-reads fevers most).
Selection: K-fold cross-validation over subjects, then the simplest candidate whose error is within
one paired standard error of the best; slopes of readings must be non-negative, so a warmer skin
never lowers the estimate. The fever decision point is tuned on the same held-out predictions to
maximise sensitivity at a stated specificity. The held-out squared errors are split into the
model's own error variance and the share of the readings' noise over rounds that shows in them
(least squares of squared error on squared noise); an estimate's uncertainty adds that share back. Everything is deterministic for a given seed.
`held_out_figures` repeats the whole procedure inside an outer cross-validation (nested), so the
figures it reports come from subjects the fitted model never saw.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace

import numpy as np

from kiosk.errors import UsageError
from kiosk.thermal.core_model import (
    DEFAULT_FEVER_THRESHOLD_C,
    READINGS,
    SITES,
    SKIN_RANGE_C,
    CoreEstimate,
    CoreModel,
    Refusal,
    Term,
)
from kiosk.thermal.csv_reader import SubjectTable

DEFAULT_SEED = 20260
DEFAULT_SPECIFICITY = 0.95
INNER_FOLDS = 5
OUTER_FOLDS = 10
MAX_READINGS = 3
ALPHAS = (1.0, 30.0)
KNOT_QUANTILES = (0.5, 0.75, 0.9)


@dataclass(frozen=True)
class Dataset:
    """Subjects usable for fitting one site: inputs by name (calibrated readings and ambient, °C) and oral °C.

    `reading_se_c` holds each reading's standard error over rounds (°C; 0 when seen in one round only).
    """

    site: str
    inputs: dict[str, np.ndarray]
    reading_se_c: dict[str, np.ndarray]
    oral_c: np.ndarray
    subject_ids: tuple[str, ...]
    excluded: int
    sessions: tuple[str, ...] = ()
    """Each subject's session date as the file writes it (empty strings when unknown)."""

    @classmethod
    def from_table(cls, table: SubjectTable, site: str) -> Dataset:
        """Subjects with an oral reference and every reading of the site in the skin range; raises when too few."""
        needed = SITES[site]
        usable = []
        for subject in table.subjects:
            calibrated = table.calibrated_readings(subject)
            if subject.oral_c is not None and all(SKIN_RANGE_C[0] <= calibrated.get(n, math.nan) <= SKIN_RANGE_C[1] for n in needed):
                usable.append((subject, calibrated))
        if len(usable) < 4 * INNER_FOLDS:
            raise UsageError(
                f"only {len(usable)} rows have an oral reference (aveOralM) and the {site} readings: "
                f"expected at least {4 * INNER_FOLDS} to fit"
            )
        inputs = {n: np.array([calibrated[n] for _, calibrated in usable]) for n in needed}
        inputs["ambient_c"] = np.array([subject.ambient_c for subject, _ in usable])
        reading_se_c = {n: np.array([subject.reading_se_c.get(n, 0.0) for subject, _ in usable]) for n in needed}
        return cls(
            site=site,
            inputs=inputs,
            reading_se_c=reading_se_c,
            oral_c=np.array([subject.oral_c for subject, _ in usable]),
            subject_ids=tuple(subject.subject_id for subject, _ in usable),
            excluded=len(table.rows) - len(usable),
            sessions=tuple(subject.session for subject, _ in usable),
        )

    def __len__(self) -> int:
        return len(self.oral_c)

    def subset(self, index: np.ndarray) -> Dataset:
        return Dataset(
            site=self.site,
            inputs={name: values[index] for name, values in self.inputs.items()},
            reading_se_c={name: values[index] for name, values in self.reading_se_c.items()},
            oral_c=self.oral_c[index],
            subject_ids=tuple(self.subject_ids[i] for i in index),
            excluded=0,
            sessions=tuple(self.sessions[i] for i in index) if self.sessions else (),
        )


@dataclass(frozen=True)
class Figures:
    """Accuracy against oral temperature on held-out subjects (°C; rates as fractions)."""

    subjects: int
    refused: int
    fevers: int
    mae_c: float
    bias_c: float
    within_0_3: float
    within_0_5: float
    sensitivity: float
    specificity: float
    auc: float
    within_95_interval: float
    """Share of errors within the estimate's own 95 % interval (±1.96 uncertainty): 0.95 if the uncertainty is honest."""


def fit_model(
    data: Dataset,
    seed: int = DEFAULT_SEED,
    specificity: float = DEFAULT_SPECIFICITY,
    threshold_c: float = DEFAULT_FEVER_THRESHOLD_C,
) -> CoreModel:
    """Choose a candidate by cross-validation, tune the fever margin on its held-out predictions, refit on all."""
    folds = stratified_folds(data.oral_c >= threshold_c, INNER_FOLDS, seed)
    scored = []
    for terms in candidate_terms(data):
        design = _design(terms, data)
        for alpha in ALPHAS:
            weights = _ridge(design, data.oral_c, alpha)
            if not _has_negative_slope(terms, weights[1:]):
                scored.append(_Scored(terms, alpha, weights, _out_of_fold(design, data.oral_c, alpha, folds)))
    chosen = _simplest_within_one_se(scored, data.oral_c)
    weights = chosen.weights
    source = {
        "subjects": len(data),
        "alpha": chosen.alpha,
        "seed": seed,
        "selection": f"{INNER_FOLDS}-fold CV over subjects, simplest candidate within one paired SE of the best MAE",
    }
    coefficients = tuple(float(w) for w in weights[1:])
    return calibrated_model(data, chosen.terms, coefficients, float(weights[0]), chosen.predicted_c, specificity, threshold_c, source)


def calibrated_model(
    data: Dataset,
    terms: tuple[Term, ...],
    coefficients: tuple[float, ...],
    intercept_c: float,
    predicted_c: np.ndarray,
    specificity: float,
    threshold_c: float,
    source: dict[str, object],
) -> CoreModel:
    """The fitted model with what its out-of-fold predictions `predicted_c` say: the fever margin that keeps
    `specificity`, its own uncertainty and the sensor noise's share; `source` gains the CV MAE and the decision."""
    residual = predicted_c - data.oral_c
    ambient = data.inputs["ambient_c"]
    model = CoreModel(
        site=data.site,
        terms=terms,
        coefficients=coefficients,
        intercept_c=intercept_c,
        uncertainty_c=0.0,
        fever_margin_c=threshold_c - decision_point(predicted_c, data.oral_c >= threshold_c, specificity),
        ambient_range_c=(float(ambient.min()), float(ambient.max())),
        fever_threshold_c=threshold_c,
    )
    reading_noise = np.array([model.reading_noise_c(*subject_inputs(data, i)) for i in range(len(data))])
    own_variance, noise_gain = noise_share(residual, reading_noise)
    return replace(
        model,
        uncertainty_c=math.sqrt(own_variance),
        noise_gain=noise_gain,
        source={
            **source,
            "cv_mae_c": float(np.mean(np.abs(residual))),
            "decision": {"threshold_c": threshold_c, "specificity_target": specificity},
        },
    )


def held_out_figures(
    data: Dataset,
    seed: int = DEFAULT_SEED,
    specificity: float = DEFAULT_SPECIFICITY,
    threshold_c: float = DEFAULT_FEVER_THRESHOLD_C,
    outer_folds: int = OUTER_FOLDS,
    fitter: Callable[[Dataset, int, float, float], CoreModel] | None = None,
) -> Figures:
    """Nested cross-validation: fit (with its own selection) on K-1 folds, judge on the fold it never saw.

    `fitter(data, seed, specificity, threshold_c)` is the model kind to judge (default `fit_model`).
    """
    fit = fitter or fit_model
    estimates: list[CoreEstimate | Refusal] = [Refusal("not estimated")] * len(data)
    for test in stratified_folds(data.oral_c >= threshold_c, outer_folds, seed):
        train = np.setdiff1d(np.arange(len(data)), test)
        model = fit(data.subset(train), seed, specificity, threshold_c)
        for i, estimate in zip(test, estimate_all(model, data.subset(test))):
            estimates[i] = estimate
    return judge(estimates, data.oral_c, threshold_c)


def estimate_all(model: CoreModel, data: Dataset) -> list[CoreEstimate | Refusal]:
    """The model's estimate for every subject of `data`, in order."""
    results = []
    for i in range(len(data)):
        inputs, reading_se_c = subject_inputs(data, i)
        readings = {name: value for name, value in inputs.items() if name != "ambient_c"}
        results.append(model.estimate(readings, inputs["ambient_c"], reading_se_c=reading_se_c))
    return results


def subject_inputs(data: Dataset, i: int) -> tuple[dict[str, float], dict[str, float]]:
    """Subject i's inputs (readings and ambient, °C) and its readings' standard errors over rounds (°C)."""
    inputs = {name: float(values[i]) for name, values in data.inputs.items()}
    return inputs, {name: float(values[i]) for name, values in data.reading_se_c.items()}


def judge(estimates: list[CoreEstimate | Refusal], oral_c: np.ndarray, threshold_c: float = DEFAULT_FEVER_THRESHOLD_C) -> Figures:
    """Accuracy of estimates against the oral references they belong to; refusals are counted, not scored."""
    kept = np.array([isinstance(e, CoreEstimate) for e in estimates])
    core = np.array([e.core_c for e in estimates if isinstance(e, CoreEstimate)])
    uncertainty = np.array([e.uncertainty_c for e in estimates if isinstance(e, CoreEstimate)])
    fever = np.array([e.fever for e in estimates if isinstance(e, CoreEstimate)], dtype=bool)
    oral = oral_c[kept]
    error = core - oral
    positive = oral >= threshold_c
    return Figures(
        subjects=len(estimates),
        refused=int((~kept).sum()),
        fevers=int(positive.sum()),
        mae_c=float(np.mean(np.abs(error))),
        bias_c=float(np.mean(error)),
        within_0_3=float(np.mean(np.abs(error) <= 0.3)),
        within_0_5=float(np.mean(np.abs(error) <= 0.5)),
        sensitivity=float(np.mean(fever[positive])) if positive.any() else math.nan,
        specificity=float(np.mean(~fever[~positive])) if (~positive).any() else math.nan,
        auc=_auc(core[positive], core[~positive]),
        within_95_interval=float(np.mean(np.abs(error) <= 1.96 * uncertainty)),
    )


def figures_dict(figures: Figures) -> dict[str, float | int]:
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in asdict(figures).items()}


def candidate_terms(data: Dataset) -> list[tuple[Term, ...]]:
    """Every candidate's terms for the dataset's site: reading subsets × optional hinge, each with ambient."""
    readings = SITES[data.site]
    result = []
    for size in range(1, min(MAX_READINGS, len(readings)) + 1):
        for subset in itertools.combinations(readings, size):
            linear = tuple(Term(name) for name in subset)
            hinges: list[tuple[Term, ...]] = [()]
            for name in subset:
                knots = np.quantile(data.inputs[name], KNOT_QUANTILES)
                hinges.extend((Term(name, round(float(k), 2)),) for k in knots)
            result.extend(linear + hinge + (Term("ambient_c"),) for hinge in hinges)
    return result


def noise_share(error_c: np.ndarray, noise_c: np.ndarray) -> tuple[float, float]:
    """The model's own error variance (°C²) and the share (0–1) of each reading's noise variance in its error.

    Least squares of the squared (centred) errors on the squared noise: error² ≈ own + gain · noise².
    Without spread in the noise there is nothing to fit and all of it counts (gain 1).
    """
    squared_error, squared_noise = (error_c - error_c.mean()) ** 2, noise_c**2
    spread = float(np.var(squared_noise))
    gain = 1.0
    if spread > 0:
        gain = float(np.clip(np.cov(squared_error, squared_noise, ddof=0)[0, 1] / spread, 0.0, 1.0))
    return max(float(np.var(error_c, ddof=1) - gain * np.mean(squared_noise)), 0.0), gain


def stratified_folds(labels: np.ndarray, k: int, seed: int) -> list[np.ndarray]:
    """K folds of indices with each label spread evenly, shuffled by `seed`."""
    rng = np.random.default_rng(seed)
    folds: list[list[int]] = [[] for _ in range(k)]
    start = 0
    for label in (True, False):
        members = rng.permutation(np.flatnonzero(labels == label))
        for position, index in enumerate(members):
            folds[(start + position) % k].append(int(index))
        start = (start + len(members)) % k
    return [np.sort(np.array(fold, dtype=int)) for fold in folds]


def decision_point(predicted_c: np.ndarray, positive: np.ndarray, specificity: float) -> float:
    """The lowest estimate at which to call fever while flagging at most 1 - specificity of non-fevers.

    Placed halfway between the last non-fever allowed above it and the next one, not on top of a sample.
    """
    negatives = np.sort(predicted_c[~positive])[::-1]
    if len(negatives) == 0:
        raise UsageError("no subject below the fever threshold: cannot tune the decision for specificity")
    allowed = math.floor((1.0 - specificity) * len(negatives) + 1e-9)
    if allowed == 0:  # above every non-fever
        return float(negatives[0]) + 0.01
    if allowed >= len(negatives):
        return float(negatives[-1])
    return float(negatives[allowed] + negatives[allowed - 1]) / 2.0


def _design(terms: tuple[Term, ...], data: Dataset) -> np.ndarray:
    columns = []
    for term in terms:
        x = data.inputs[term.input]
        columns.append(x if term.knot_c is None else np.maximum(x - term.knot_c, 0.0))
    return np.column_stack(columns)


def _ridge(design: np.ndarray, target: np.ndarray, alpha: float) -> np.ndarray:
    """[intercept, coefficients...] of a ridge fit on standardised columns, in the columns' own units."""
    mean = design.mean(axis=0)
    scale = design.std(axis=0)
    scale[scale == 0] = 1.0
    z = (design - mean) / scale
    centred = target - target.mean()
    beta = np.linalg.solve(z.T @ z + alpha * np.eye(z.shape[1]), z.T @ centred) / scale
    return np.concatenate([[target.mean() - mean @ beta], beta])


def _out_of_fold(design: np.ndarray, target: np.ndarray, alpha: float, folds: list[np.ndarray]) -> np.ndarray:
    predicted = np.empty_like(target)
    for test in folds:
        train = np.setdiff1d(np.arange(len(target)), test)
        weights = _ridge(design[train], target[train], alpha)
        predicted[test] = weights[0] + design[test] @ weights[1:]
    return predicted


def _has_negative_slope(terms: tuple[Term, ...], coefficients: np.ndarray) -> bool:
    """True when some reading's slope is negative: below its knot (linear term) or above it (linear plus hinge)."""
    linear = {t.input: c for t, c in zip(terms, coefficients) if t.knot_c is None and t.input in READINGS}
    hinge = {t.input: c for t, c in zip(terms, coefficients) if t.knot_c is not None}
    return any(c < 0 for c in linear.values()) or any(linear.get(name, 0.0) + c < 0 for name, c in hinge.items())


@dataclass(frozen=True)
class _Scored:
    """A candidate fitted on all subjects (weights) with its out-of-fold predictions (°C)."""

    terms: tuple[Term, ...]
    alpha: float
    weights: np.ndarray
    predicted_c: np.ndarray


def _simplest_within_one_se(scored: list[_Scored], oral_c: np.ndarray) -> _Scored:
    """The candidate with fewest terms (then lowest MAE) whose MAE is within one paired SE of the best."""
    if not scored:
        raise UsageError("no candidate model has non-negative slopes for every reading: the data cannot be fitted")
    errors = [np.abs(candidate.predicted_c - oral_c) for candidate in scored]
    maes = np.array([e.mean() for e in errors])
    best = errors[int(np.argmin(maes))]
    eligible = [
        i for i, e in enumerate(errors) if maes[i] <= maes.min() + np.std(e - best, ddof=1) / math.sqrt(len(e))
    ]
    return scored[min(eligible, key=lambda i: (len(scored[i].terms), maes[i]))]


def _auc(positive: np.ndarray, negative: np.ndarray) -> float:
    if len(positive) == 0 or len(negative) == 0:
        return math.nan
    greater = (positive[:, None] > negative[None, :]).mean()
    ties = (positive[:, None] == negative[None, :]).mean()
    return float(greater + 0.5 * ties)
