"""`kiosk thermal fit` and `kiosk thermal estimate-core`: fit the core-temperature model, apply it to a CSV."""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import sys
from pathlib import Path

from kiosk.cli import EXIT_OK, Command
from kiosk.errors import UsageError
from kiosk.thermal.core_model import SITES

SITE_CHOICES = tuple(SITES)


def _add_fit_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--csv", required=True, type=Path, help="subjects with oral references, layout of flir_group1.csv")
    parser.add_argument("--site", required=True, choices=SITE_CHOICES, help="what the sensor sees")
    parser.add_argument("--out", type=Path, help="where to write the model (default: the params file shipped for the site)")
    parser.add_argument("--seed", type=int, help="seed of the cross-validation folds (default: the shipped models' seed)")
    parser.add_argument(
        "--specificity", type=float, default=None, help="specificity the fever decision is tuned for (default 0.95)"
    )
    parser.add_argument("--data-name", help="how the params name their data (default: the CSV's file name)")


def _fit(args: argparse.Namespace) -> int:
    from kiosk.thermal.core_model import PARAMS_DIR
    from kiosk.thermal.csv_reader import read_subjects
    from kiosk.thermal.fit import DEFAULT_SEED, DEFAULT_SPECIFICITY, Dataset, figures_dict, fit_model, held_out_figures

    seed = DEFAULT_SEED if args.seed is None else args.seed
    specificity = DEFAULT_SPECIFICITY if args.specificity is None else args.specificity
    if not 0.5 <= specificity < 1.0:
        raise UsageError(f"--specificity {specificity}: expected a fraction from 0.5 to below 1")
    table = read_subjects(args.csv)
    data = Dataset.from_table(table, args.site)
    model = fit_model(data, seed=seed, specificity=specificity)
    figures = figures_dict(held_out_figures(data, seed=seed, specificity=specificity))
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


COMMANDS = [
    Command(("thermal", "fit"), "fit the core-temperature model for a site by cross-validation", _fit, _add_fit_arguments),
    Command(
        ("thermal", "estimate-core"),
        "estimate oral-equivalent temperature and fever for each row of a CSV",
        _estimate_core,
        _add_estimate_arguments,
    ),
]
