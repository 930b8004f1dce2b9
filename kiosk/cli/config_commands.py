"""`kiosk check-config`: validate a config file and print the effective configuration."""

from __future__ import annotations

import argparse
import sys

from kiosk.cli import EXIT_OK, Command
from kiosk.config import KioskConfig, load_config
from kiosk.config.dump import dump_config


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="TOML config file to check")


def _check_config(args: argparse.Namespace) -> int:
    config = load_config(KioskConfig, args.file)
    sys.stdout.write(dump_config(config))
    return EXIT_OK


COMMANDS = [Command(("check-config",), "validate a config file and print the effective config", _check_config, _add_arguments)]
