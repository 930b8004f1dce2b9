"""`kiosk run`: the gate service in the foreground."""

from __future__ import annotations

import argparse

from hardware.clock import SystemClock
from kiosk.cli import Command
from kiosk.config import KioskConfig, load_config
from kiosk.service.app import run_service
from kiosk.service.logs import configure_logging


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", required=True, help="TOML config file (see kiosk/default.toml)")


def _run(args: argparse.Namespace) -> int:
    config = load_config(KioskConfig, args.config)
    configure_logging(config.logging.level, config.logging.format)
    return run_service(config, SystemClock())


COMMANDS = [Command(("run",), "run the gate service in the foreground (logs on stdout)", _run, _add_arguments)]
