"""`kiosk demo`: a scripted scenario on simulated devices that finishes in seconds, with no hardware or network."""

from __future__ import annotations

import argparse
import json
import logging
import tempfile
from pathlib import Path

from kiosk.cli import EXIT_OK, Command


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of the timeline")
    parser.add_argument(
        "--models-dir", default="", help="folder with the face models (default: vision.models_dir, $KIOSK_MODELS_DIR)"
    )
    parser.add_argument(
        "--door-mode", choices=("relay", "panel-wiegand"), default="relay",
        help="'panel-wiegand': grants go to a simulated access-control panel as Wiegand card reads instead of the relay",
    )


def _demo(args: argparse.Namespace) -> int:
    from kiosk.demo.report import demo_summary, demo_timeline
    from kiosk.demo.scenario import Demo

    # The timeline tells the story; the service's warnings (alarms, unplugged sensor) would repeat it.
    logging.getLogger("kiosk").setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory(prefix="kiosk-demo-") as workdir:
        demo = Demo(Path(workdir), args.models_dir, args.door_mode)
        try:
            demo.play()
        finally:
            demo.world.storage.close()
        print(json.dumps(demo_summary(demo.world)) if args.json else demo_timeline(demo.world))
    return EXIT_OK


COMMANDS = [Command(("demo",), "run a scripted gate on simulated devices (seconds, no hardware)", _demo, _add_arguments)]
