"""`kiosk decode` (QR codes in image files) and `kiosk bench decode` (decode rate and time on labelled folders)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk.cli import EXIT_FAILED, EXIT_OK, Command
from kiosk.errors import UsageError

if TYPE_CHECKING:
    from kiosk.qr import QrConfig


def _add_config_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, help="kiosk TOML config whose [qr] section to use (default: built-in)")


def _add_decode_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("images", nargs="+", type=Path, metavar="IMAGE", help="image files to decode")
    parser.add_argument("--json", action="store_true", help="one JSON object per image per line")
    _add_config_argument(parser)


def _add_bench_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "folders", nargs="+", type=Path, metavar="DIR", help="folders of images NAME.ext with expected text in NAME.txt"
    )
    parser.add_argument("--json", action="store_true", help="print the report as one JSON object")
    _add_config_argument(parser)


def _qr_config(path: Path | None) -> QrConfig:
    from kiosk.config import KioskConfig, load_config
    from kiosk.qr import QrConfig

    return QrConfig() if path is None else load_config(KioskConfig, path).qr


def _decode(args: argparse.Namespace) -> int:
    from kiosk.qr.decoder import StillImageDecoder
    from kiosk.images import UnreadableImage, read_image

    decoder = StillImageDecoder(_qr_config(args.config))
    failed = False
    for path in args.images:
        try:
            image = read_image(path)
        except UnreadableImage as err:
            failed = True
            if args.json:
                print(json.dumps({"image": str(path), "error": str(err)}), flush=True)
            else:
                print(f"kiosk decode: {err}", file=sys.stderr, flush=True)
            continue
        trace = decoder.trace(image)
        if args.json:
            codes = [
                {"text": code.text, "format": code.format, "corners": [list(point) for point in code.corners]}
                for code in trace.codes
            ]
            print(json.dumps({"image": str(path), "codes": codes, "ms": round(trace.ms, 3)}), flush=True)
        else:
            for code in trace.codes:
                print(f"{path}\t{code.format}\t{code.text}")
            if not trace.codes:
                print(f"{path}\t-\t(no code, {trace.ms:.1f} ms)")
    return EXIT_FAILED if failed else EXIT_OK


def _bench_decode(args: argparse.Namespace) -> int:
    from kiosk.qr.evaluation import compare, load_samples

    missing = [str(folder) for folder in args.folders if not folder.is_dir()]
    if missing:
        raise UsageError(f"bench decode: {', '.join(missing)}: not a folder (expected folders of images with NAME.txt)")
    config = _qr_config(args.config)
    samples, errors, unlabelled = load_samples(args.folders)
    if not samples:
        raise UsageError(f"bench decode: no image with a NAME.txt label under {', '.join(map(str, args.folders))}")
    report = {"images": len(samples), "unreadable": errors, "unlabelled": unlabelled, **compare(config, samples)}
    if args.json:
        print(json.dumps(report))
    else:
        _print_table(report)
    return EXIT_OK


def _print_table(report: dict) -> None:
    unreadable, unlabelled = len(report["unreadable"]), len(report["unlabelled"])
    print(f"{report['images']} labelled images, {unreadable} unreadable, {unlabelled} unlabelled")
    rows = [("pipeline", report["pipeline"]), ("pipeline_as_frames", report["pipeline_as_frames"])]
    print(f"{'decoder':<24}{'decoded':>10}{'rate':>8}{'median ms':>11}{'p95 ms':>9}{'wrong':>7}")
    for name, r in [*rows, *report["alone"].items()]:
        decoded = f"{r['decoded']}/{r['expected']}"
        print(f"{name:<24}{decoded:>10}{r['rate']:>8.1%}{r['median_ms']:>11.2f}{r['p95_ms']:>9.2f}{len(r['wrong']):>7}")


COMMANDS = [
    Command(
        ("decode",),
        "decode the QR codes in image files (each gets qr.budget_ms per 640×480 pixels, as if a code were located)",
        _decode,
        _add_decode_arguments,
    ),
    Command(
        ("bench", "decode"),
        "decode rate and time of the QR pipeline and of each decoder alone, on labelled image folders",
        _bench_decode,
        _add_bench_arguments,
    ),
]
