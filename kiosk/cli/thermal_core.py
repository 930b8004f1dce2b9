"""`kiosk thermal fit`, `estimate-core`, `validate` and `calibrate-camera`: fit, apply, judge and adapt the core model."""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import sys
from pathlib import Path

from kiosk.cli import EXIT_OK, Command
from kiosk.errors import UsageError
from kiosk.thermal.core_model import DEFAULT_FEVER_THRESHOLD_C, SITES

SITE_CHOICES = tuple(SITES)
KIND_CHOICES = ("least-squares", "heat-exchange", "heat-exchange-passive", "hinge")
DEFAULT_KIND = "least-squares"
"""The shipped kind: the one that held up on the shifted splits (docs/thermal-validation.md)."""


def _add_fit_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--csv", required=True, type=Path, help="subjects with oral references, layout of flir_group1.csv")
    parser.add_argument("--site", required=True, choices=SITE_CHOICES, help="what the sensor sees")
    parser.add_argument("--out", type=Path, help="where to write the model (default: the params file shipped for the site)")
    parser.add_argument("--seed", type=int, help="seed of the cross-validation folds (default: the shipped models' seed)")
    parser.add_argument(
        "--specificity", type=float, default=None, help="specificity the fever decision is tuned for (default 0.95)"
    )
    parser.add_argument("--data-name", help="how the params name their data (default: the CSV's file name)")
    parser.add_argument("--kind", choices=KIND_CHOICES, default=DEFAULT_KIND, help=f"model kind (default {DEFAULT_KIND})")


def _fit(args: argparse.Namespace) -> int:
    from kiosk.thermal.core_model import PARAMS_DIR
    from kiosk.thermal.csv_reader import read_subjects
    from kiosk.thermal.fit import DEFAULT_SEED, DEFAULT_SPECIFICITY, Dataset, figures_dict, held_out_figures
    from kiosk.thermal.heat_exchange import FITTERS

    seed = DEFAULT_SEED if args.seed is None else args.seed
    specificity = DEFAULT_SPECIFICITY if args.specificity is None else args.specificity
    if not 0.5 <= specificity < 1.0:
        raise UsageError(f"--specificity {specificity}: expected a fraction from 0.5 to below 1")
    table = read_subjects(args.csv)
    data = Dataset.from_table(table, args.site)
    fitter = FITTERS[args.kind]
    model = fitter(data, seed, specificity, DEFAULT_FEVER_THRESHOLD_C)
    figures = figures_dict(held_out_figures(data, seed=seed, specificity=specificity, fitter=fitter))
    model = dataclasses.replace(
        model,
        source={
            "data": args.data_name or args.csv.name,
            "data_sha256": hashlib.sha256(args.csv.read_bytes()).hexdigest(),
            "rows_in_file": len(table.rows),
            "rows_not_used": data.excluded,
            "blackbody_offset_c": table.blackbody_offset_c,
            **model.source,
            "held_out": figures,
        },
    )
    out = args.out or PARAMS_DIR / f"{args.site}.json"
    out.write_text(json.dumps(model.to_dict(), indent=2) + "\n", encoding="utf-8")
    terms = " ".join(f"{c:+.3f}·{t.label()}" for c, t in zip(model.coefficients, model.terms))
    print(f"{args.site}: core_c = {model.intercept_c:.3f} {terms}")
    print(f"uncertainty {model.uncertainty_c:.3f} °C, fever at core_c ≥ threshold - {model.fever_margin_c:.3f} °C")
    print("held-out (nested CV): " + json.dumps(figures))
    print(f"wrote {out}")
    return EXIT_OK


def _add_estimate_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--csv", required=True, type=Path, help="subjects in the layout of flir_group1.csv")
    parser.add_argument("--site", required=True, choices=SITE_CHOICES, help="what the sensor sees")
    parser.add_argument("--model", type=Path, help="params written by 'kiosk thermal fit' (default: the shipped ones)")
    parser.add_argument("--json", action="store_true", help="one JSON object per row")


def _estimate_core(args: argparse.Namespace) -> int:
    from kiosk.thermal.core_model import CoreModel, Refusal
    from kiosk.thermal.csv_reader import RefusedRow, read_subjects

    model = CoreModel.from_file(args.model) if args.model else CoreModel.load(args.site)
    if model.site != args.site:
        raise UsageError(f"--model {args.model} is fitted for site {model.site!r}, not {args.site!r}")
    table = read_subjects(args.csv)
    for row in table.rows:
        if isinstance(row, RefusedRow):
            result: dict = {"id": row.subject_id, "core_c": None, "fever": False, "refused": True, "reason": f"line {row.line}: {row.reason}"}
        else:
            estimate = model.estimate(
                table.calibrated_readings(row),
                row.ambient_c,
                distance_m=row.distance_m,
                humidity_pct=row.humidity_pct,
                reading_se_c=row.reading_se_c,
            )
            if isinstance(estimate, Refusal):
                result = {"id": row.subject_id, "core_c": None, "fever": False, "refused": True, "reason": estimate.reason}
            else:
                core_c = round(estimate.core_c, 2)
                result = {"id": row.subject_id, "core_c": core_c, "fever": estimate.fever, "refused": False, "reason": ""}
        sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n" if args.json else _line(result))
    return EXIT_OK


def _line(result: dict) -> str:
    if result["refused"]:
        return f"{result['id']}\trefused\t{result['reason']}\n"
    return f"{result['id']}\t{result['core_c']:.2f} °C\t{'FEVER' if result['fever'] else 'ok'}\n"


def _add_validate_arguments(parser: argparse.ArgumentParser) -> None:
    from kiosk.thermal.validation import DEFAULT_FIT_MAX_C, DEFAULT_FIT_SHARE, DEFAULT_JUDGE_MIN_C, DEFAULT_ROOM_SHIFT_C, SPLITS

    parser.add_argument("--csv", required=True, type=Path, help="subjects with oral references, layout of flir_group1.csv")
    parser.add_argument("--site", required=True, choices=SITE_CHOICES, help="what the sensor sees")
    parser.add_argument(
        "--split",
        required=True,
        choices=SPLITS,
        help="subject: K-fold over subjects; date: earlier sessions -> later; ambient: cooler rooms -> warmer; "
        "warm-room: K-fold with the judged rooms made warmer, skin following by heat exchange (a simulation)",
    )
    parser.add_argument("--kind", action="append", choices=KIND_CHOICES, help="model kind to judge, repeatable (default: all)")
    parser.add_argument("--fit-share", type=float, default=DEFAULT_FIT_SHARE, help=f"date split: share of subjects in the earlier part (default {DEFAULT_FIT_SHARE})")
    parser.add_argument("--fit-max-c", type=float, default=DEFAULT_FIT_MAX_C, help=f"ambient split: fit on rooms at or below this, °C (default {DEFAULT_FIT_MAX_C})")
    parser.add_argument("--judge-min-c", type=float, default=DEFAULT_JUDGE_MIN_C, help=f"ambient split: judge on rooms above this, °C (default {DEFAULT_JUDGE_MIN_C})")
    parser.add_argument(
        "--room-shift-c", type=float, default=DEFAULT_ROOM_SHIFT_C, help=f"warm-room split: how much warmer, °C (default {DEFAULT_ROOM_SHIFT_C:g})"
    )
    parser.add_argument("--seed", type=int, help="seed of the folds (default: the shipped models' seed)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def _validate(args: argparse.Namespace) -> int:
    from kiosk.thermal.csv_reader import read_subjects
    from kiosk.thermal.fit import DEFAULT_SEED, Dataset
    from kiosk.thermal.validation import validate

    if not 0.1 <= args.fit_share <= 0.9:
        raise UsageError(f"--fit-share {args.fit_share}: expected a fraction from 0.1 to 0.9")
    data = Dataset.from_table(read_subjects(args.csv), args.site)
    result = validate(
        data,
        args.split,
        kinds=tuple(args.kind or KIND_CHOICES),
        seed=DEFAULT_SEED if args.seed is None else args.seed,
        fit_share=args.fit_share,
        fit_max_c=args.fit_max_c,
        judge_min_c=args.judge_min_c,
        room_shift_c=args.room_shift_c,
    )
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
        return EXIT_OK
    print(f"{result['site']}, {result['description']}: fit {result['fit']['subjects']} subjects, judge {result['judge']['subjects']}")
    for kind, figures in result["models"].items():
        print(
            f"{kind:22s} MAE {figures['mae_c']:.3f} °C  bias {figures['bias_c']:+.3f} °C  ±0.5 °C {figures['within_0_5']:.1%}  "
            f"sens {figures['sensitivity']:.3f} spec {figures['specificity']:.3f}  refused {figures['refused_share']:.1%}"
        )
    return EXIT_OK


def _add_calibrate_camera_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--csv", required=True, type=Path, help="reference people seen by the new camera, with aveOralM filled in")
    parser.add_argument("--site", required=True, choices=SITE_CHOICES, help="what the sensor sees")
    parser.add_argument("--model", type=Path, help="params to start from (default: the shipped ones)")
    parser.add_argument("--out", required=True, type=Path, help="where to write the calibrated params (use with estimate-core --model)")


def _calibrate_camera(args: argparse.Namespace) -> int:
    from kiosk.thermal.camera_offset import reference_offset_c, with_camera_offset
    from kiosk.thermal.core_model import CoreModel
    from kiosk.thermal.csv_reader import read_subjects

    model = CoreModel.from_file(args.model) if args.model else CoreModel.load(args.site)
    if model.site != args.site:
        raise UsageError(f"--model {args.model} is fitted for site {model.site!r}, not {args.site!r}")
    offset_c, references = reference_offset_c(model, read_subjects(args.csv))
    calibrated = with_camera_offset(model, offset_c, references, args.csv.name)
    args.out.write_text(json.dumps(calibrated.to_dict(), indent=2) + "\n", encoding="utf-8")
    print(f"{args.site}: camera offset {offset_c:+.3f} °C from {references} reference people; wrote {args.out}")
    return EXIT_OK


COMMANDS = [
    Command(("thermal", "fit"), "fit the core-temperature model for a site by cross-validation", _fit, _add_fit_arguments),
    Command(
        ("thermal", "estimate-core"),
        "estimate oral-equivalent temperature and fever for each row of a CSV",
        _estimate_core,
        _add_estimate_arguments,
    ),
    Command(
        ("thermal", "validate"),
        "judge every core-model kind on a split that imitates deployment (subjects, later sessions, warmer rooms)",
        _validate,
        _add_validate_arguments,
    ),
    Command(
        ("thermal", "calibrate-camera"),
        "remove a new camera's constant offset using people measured with it and an oral thermometer",
        _calibrate_camera,
        _add_calibrate_camera_arguments,
    ),
]
