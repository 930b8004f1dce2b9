"""`kiosk doctor`: check each configured device and resource and say what to fix."""

from __future__ import annotations

import argparse
import json

from hardware.clock import SystemClock
from kiosk.cli import EXIT_FAILED, EXIT_OK, Command
from kiosk.config import KioskConfig, load_config


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", required=True, help="TOML config file")
    parser.add_argument("--json", action="store_true", help="one JSON object per finding")


def _doctor(args: argparse.Namespace) -> int:
    from kiosk.service.doctor import examine

    findings = examine(load_config(KioskConfig, args.config), SystemClock())
    for finding in findings:
        if args.json:
            print(json.dumps(finding.__dict__))
        else:
            status = "ok  " if finding.ok else "FAIL"
            fix = f"\n      fix: {finding.fix}" if not finding.ok and finding.fix else ""
            print(f"{status} {finding.subject}: {finding.detail}{fix}")
    return EXIT_OK if all(f.ok for f in findings) else EXIT_FAILED


COMMANDS = [Command(("doctor",), "check each configured device and resource, and say what to fix", _doctor, _add_arguments)]
