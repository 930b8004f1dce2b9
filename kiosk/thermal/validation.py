"""Validation that imitates deployment: fit on one part of the data, judge on a part that differs as a new site does.

Splits (all deterministic):
- `subject`: K-fold over subjects, fevers spread evenly: the in-distribution figure.
- `date`: fit on the earliest sessions (by the file's Date, about `fit_share` of the subjects), judge on
  the later ones: other people, other days, the camera and room as they drifted.
- `ambient`: fit on the cooler rooms (≤ `fit_max_c`), judge on the warmer ones (> `judge_min_c`): how
  the model extrapolates in room temperature, the shift a warm lobby brings. The data span only
  20.2–24 °C, so this shift is 1.5–2.2 °C of mean room temperature.
- `warm-room`: the K-fold over subjects with every judged subject moved `room_shift_c` warmer, their
  skin warmed by γ·shift, γ the heat-exchange coefficient fitted on the fit part (skin from oral and
  room, `heat_exchange.forward_skin_per_ambient`). It is a simulation: it assumes skin follows the room
  as the data's own heat exchange says, and asks whether a model's form extrapolates to rooms the data
  never had (by default +5 °C: 25–29 °C). It cannot judge the value of γ, only what a model does with it.
Every model kind of `kiosk.thermal.heat_exchange.FITTERS` is fitted on the same fit part, fever margin
included, and judged on the same judge part; `judge` counts refusals and scores the rest.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from kiosk.errors import UsageError
from kiosk.thermal.core_model import DEFAULT_FEVER_THRESHOLD_C, CoreEstimate, Refusal
from kiosk.thermal.fit import (
    DEFAULT_SEED,
    DEFAULT_SPECIFICITY,
    OUTER_FOLDS,
    Dataset,
    estimate_all,
    figures_dict,
    judge,
    stratified_folds,
)
from kiosk.thermal.heat_exchange import FITTERS, PRIMARY_READINGS, forward_skin_per_ambient

SPLITS = ("subject", "date", "ambient", "warm-room")
DEFAULT_FIT_SHARE = 0.6
DEFAULT_FIT_MAX_C = 23.0
DEFAULT_JUDGE_MIN_C = 23.5
DEFAULT_ROOM_SHIFT_C = 5.0
AMBIENT_BIN_C = 1.0
MIN_PART = 20


@dataclass(frozen=True)
class Part:
    """A fit part and a judge part (indices into one Dataset), and how they were chosen."""

    fit: np.ndarray
    judge: np.ndarray
    description: str
    room_shift_c: float = 0.0
    """How much warmer the judged subjects' room is made (°C), their skin following by heat exchange."""


def parts(
    data: Dataset,
    split: str,
    seed: int = DEFAULT_SEED,
    fit_share: float = DEFAULT_FIT_SHARE,
    fit_max_c: float = DEFAULT_FIT_MAX_C,
    judge_min_c: float = DEFAULT_JUDGE_MIN_C,
    room_shift_c: float = DEFAULT_ROOM_SHIFT_C,
    threshold_c: float = DEFAULT_FEVER_THRESHOLD_C,
) -> list[Part]:
    """The fit/judge parts of `split`: K of them for `subject` and `warm-room`, one for `date` and `ambient`."""
    if split in ("subject", "warm-room"):
        folds = stratified_folds(data.oral_c >= threshold_c, OUTER_FOLDS, seed)
        everyone = np.arange(len(data))
        if split == "subject":
            return [Part(np.setdiff1d(everyone, fold), fold, f"{OUTER_FOLDS}-fold over subjects") for fold in folds]
        description = f"{OUTER_FOLDS}-fold over subjects, judged rooms {room_shift_c:+g} °C with skin following by heat exchange"
        return [Part(np.setdiff1d(everyone, fold), fold, description, room_shift_c) for fold in folds]
    if split == "date":
        return [_by_date(data, fit_share)]
    if split == "ambient":
        ambient = data.inputs["ambient_c"]
        part = Part(
            np.flatnonzero(ambient <= fit_max_c),
            np.flatnonzero(ambient > judge_min_c),
            f"fit on rooms ≤ {fit_max_c:g} °C, judge on rooms > {judge_min_c:g} °C",
        )
        _check_sizes(part)
        return [part]
    raise UsageError(f"split {split!r}: expected one of {', '.join(SPLITS)}")


def _by_date(data: Dataset, fit_share: float) -> Part:
    if not data.sessions or not all(data.sessions):
        raise UsageError("split by date: some rows have no Date: expected a session date on every row")
    sessions = np.array([_sortable(s) for s in data.sessions])
    cut = np.sort(sessions)[min(int(fit_share * len(sessions)), len(sessions) - 1)]
    part = Part(np.flatnonzero(sessions < cut), np.flatnonzero(sessions >= cut), f"fit on sessions before {cut}, judge on {cut} and later")
    _check_sizes(part)
    return part


def _sortable(date: str) -> str:
    """A Date as written in the study (yy-mm-dd, or yyyy-mm-dd) in a form that sorts by time."""
    pieces = date.replace("/", "-").split("-")
    if len(pieces) != 3 or not all(p.isdigit() for p in pieces):
        raise UsageError(f"Date {date!r}: expected yy-mm-dd or yyyy-mm-dd")
    year, month, day = pieces
    return f"{int(year) % 100:02d}-{int(month):02d}-{int(day):02d}"


def _check_sizes(part: Part) -> None:
    if min(len(part.fit), len(part.judge)) < MIN_PART:
        raise UsageError(
            f"{part.description}: {len(part.fit)} subjects to fit and {len(part.judge)} to judge, expected at least {MIN_PART} each"
        )


def validate(
    data: Dataset,
    split: str,
    kinds: tuple[str, ...] = tuple(FITTERS),
    seed: int = DEFAULT_SEED,
    specificity: float = DEFAULT_SPECIFICITY,
    threshold_c: float = DEFAULT_FEVER_THRESHOLD_C,
    **split_options: float,
) -> dict:
    """Each model kind fitted on the fit parts and judged on the judge parts: figures, fever margins and ambient bins."""
    unknown = [kind for kind in kinds if kind not in FITTERS]
    if unknown:
        raise UsageError(f"model {', '.join(unknown)}: expected one of {', '.join(FITTERS)}")
    chosen_parts = parts(data, split, seed, threshold_c=threshold_c, **split_options)
    judged = np.concatenate([part.judge for part in chosen_parts])
    fitted = chosen_parts[0].fit if len(chosen_parts) == 1 else np.arange(len(data))
    judge_parts = [_judge_part(data, part) for part in chosen_parts]
    judged_ambient = np.concatenate([part.inputs["ambient_c"] for part in judge_parts])
    result: dict = {
        "site": data.site,
        "split": split,
        "description": chosen_parts[0].description,
        "fit": _describe(data, fitted),
        "judge": {**_describe(data, judged), "ambient_c": _span(judged_ambient)},
        "models": {},
    }
    for kind in kinds:
        estimates: list[CoreEstimate | Refusal] = []
        margins = []
        for part, judge_data in zip(chosen_parts, judge_parts):
            model = FITTERS[kind](data.subset(part.fit), seed, specificity, threshold_c)
            margins.append(model.fever_margin_c)
            estimates.extend(estimate_all(model, judge_data))
        oral = data.oral_c[judged]
        figures = figures_dict(judge(estimates, oral, threshold_c))
        result["models"][kind] = {
            **figures,
            "refused_share": round(figures["refused"] / max(figures["subjects"], 1), 4),
            "fever_margin_c": round(float(np.mean(margins)), 3),
            "by_ambient": by_ambient(estimates, oral, judged_ambient),
        }
    return result


def _judge_part(data: Dataset, part: Part) -> Dataset:
    """The judged subjects, moved to a warmer room when the part asks for it."""
    judged = data.subset(part.judge)
    if not part.room_shift_c:
        return judged
    fit = data.subset(part.fit)
    reading = PRIMARY_READINGS[data.site]
    gamma = forward_skin_per_ambient(fit.inputs[reading], fit.inputs["ambient_c"], fit.oral_c)
    return warmer_room(judged, part.room_shift_c, gamma)


def warmer_room(data: Dataset, shift_c: float, skin_per_ambient: float) -> Dataset:
    """The same people in a room `shift_c` warmer: every reading warmer by `skin_per_ambient`·shift (°C)."""
    inputs = {
        name: values + (shift_c if name == "ambient_c" else skin_per_ambient * shift_c) for name, values in data.inputs.items()
    }
    return replace(data, inputs=inputs)


def _describe(data: Dataset, index: np.ndarray) -> dict:
    ambient = data.inputs["ambient_c"][index]
    described: dict = {
        "subjects": int(len(index)),
        "fevers": int((data.oral_c[index] >= DEFAULT_FEVER_THRESHOLD_C).sum()),
        "ambient_c": _span(ambient),
    }
    if data.sessions:
        sessions = sorted(_sortable(data.sessions[i]) for i in index)
        described["sessions"] = [sessions[0], sessions[-1]]
    return described


def _span(ambient_c: np.ndarray) -> list[float]:
    """[lowest, highest, mean] room temperature, °C."""
    return [round(float(ambient_c.min()), 2), round(float(ambient_c.max()), 2), round(float(ambient_c.mean()), 2)]


def by_ambient(estimates: list[CoreEstimate | Refusal], oral_c: np.ndarray, ambient_c: np.ndarray) -> list[dict]:
    """Error by room temperature, in AMBIENT_BIN_C bins: subjects, refused, MAE and mean bias (°C)."""
    bins = np.floor(ambient_c / AMBIENT_BIN_C) * AMBIENT_BIN_C
    rows = []
    for low in np.unique(bins):
        members = np.flatnonzero(bins == low)
        errors = [estimates[i].core_c - oral_c[i] for i in members if isinstance(estimates[i], CoreEstimate)]
        rows.append({
            "ambient_c": [float(low), float(low + AMBIENT_BIN_C)],
            "subjects": int(len(members)),
            "refused": int(len(members) - len(errors)),
            "mae_c": round(float(np.mean(np.abs(errors))), 3) if errors else None,
            "bias_c": round(float(np.mean(errors)), 3) if errors else None,
        })
    return rows
