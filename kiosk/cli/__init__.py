"""The `kiosk` command: a thin layer of subcommands over the kiosk's capabilities.

Each module named in COMMAND_MODULES exports `COMMANDS`, a list of `Command`s. A command's path
may nest (`("thermal", "fit")` is `kiosk thermal fit`), so several modules can add commands to one
group. Modules import their heavy dependencies inside `run`, so `kiosk --help` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from hardware.errors import HardwareError
from kiosk.errors import ConfigError, KioskError

COMMAND_MODULES: tuple[str, ...] = (
    "kiosk.cli.config_commands",
    "kiosk.cli.demo",
    "kiosk.cli.doctor",
    "kiosk.cli.run",
    "kiosk.cli.thermal_core",
    "kiosk.cli.storage_commands",
    "kiosk.cli.credential",
    "kiosk.cli.passes",
    "kiosk.cli.thermal",
    "kiosk.cli.qr",
    "kiosk.cli.vision",
    "kiosk.cli.operator",
)

GROUP_HELP = {
    "audit": "verify the tamper-evident audit log",
    "bench": "benchmarks that print JSON",
    "credential": "verify signed credentials offline; apply trust updates",
    "eval": "measure face recognition and mask accuracy on labelled photos",
    "events": "export decision events",
    "models": "fetch and verify the ONNX model files",
    "operator": "the operator page's accounts and HTTPS certificate",
    "pass": "the kiosk's own signed passes: keys, issue, rotating codes, QR",
    "people": "enrol, list and forget people (consent required)",
    "privacy": "what is stored, why, for how long and where it goes",
    "sim": "simulated devices for testing the real drivers",
    "storage": "storage keys",
    "thermal": "temperature: calibration, the core model's fit and estimates",
}

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_DEVICE = 3


@dataclass(frozen=True)
class Command:
    """One subcommand: where it sits, what it says in --help, its arguments and what it runs."""

    path: tuple[str, ...]
    help: str
    run: Callable[[argparse.Namespace], int]
    add_arguments: Callable[[argparse.ArgumentParser], None] = field(default=lambda parser: None)


def build_parser(commands: Sequence[Command]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kiosk", description="Edge checkpoint kiosk.")
    groups: dict[tuple[str, ...], argparse._SubParsersAction] = {}
    parsers: dict[tuple[str, ...], argparse.ArgumentParser] = {(): parser}

    def subparsers_of(path: tuple[str, ...]) -> argparse._SubParsersAction:
        if path not in groups:
            owner = parsers[path]
            groups[path] = owner.add_subparsers(dest=f"command_{len(path)}", metavar="COMMAND")
            owner.set_defaults(_group=owner)
        return groups[path]

    for command in sorted(commands, key=lambda c: c.path):
        for depth in range(1, len(command.path)):
            prefix = command.path[:depth]
            if prefix not in parsers:
                summary = GROUP_HELP.get(prefix[-1], f"{prefix[-1]} commands")
                parsers[prefix] = subparsers_of(prefix[:-1]).add_parser(prefix[-1], help=summary, description=summary)
        leaf = subparsers_of(command.path[:-1]).add_parser(
            command.path[-1], help=command.help, description=command.help
        )
        command.add_arguments(leaf)
        leaf.set_defaults(_run=command.run, _group=None)
        parsers[command.path] = leaf
    return parser


def load_commands(module_names: Sequence[str] = COMMAND_MODULES) -> list[Command]:
    commands: list[Command] = []
    for name in module_names:
        commands.extend(importlib.import_module(name).COMMANDS)
    return commands


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: returns the exit code. Errors are one line on stderr (traceback with KIOSK_DEBUG=1)."""
    parser = build_parser(load_commands())
    args = parser.parse_args(argv)
    run = getattr(args, "_run", None)
    if run is None:
        (getattr(args, "_group", None) or parser).print_help(sys.stderr)
        return EXIT_USAGE
    logging.basicConfig(level=os.environ.get("KIOSK_LOG_LEVEL", "WARNING"), format="%(levelname)s %(name)s: %(message)s")
    # Nothing the kiosk runs reports usage: onnxruntime reads this when its library loads (kiosk.vision.runtime).
    os.environ["ORT_DISABLE_TELEMETRY"] = "1"
    try:
        return run(args)
    except ConfigError as err:
        _report(err)
        return EXIT_USAGE
    except HardwareError as err:
        _report(err)
        return EXIT_DEVICE
    except KioskError as err:
        _report(err)
        return EXIT_USAGE if isinstance(err, ValueError) else EXIT_FAILED
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`kiosk ... | head`): stop quietly, as the Python docs advise.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK


def _report(err: Exception) -> None:
    if os.environ.get("KIOSK_DEBUG") == "1":
        traceback.print_exception(err)
    print(f"kiosk: {err}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
