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
import sqlite3
import sys
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from hardware.errors import HardwareError
from kiosk.errors import ConfigError, DataIntegrityError, InUseError, KioskError

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
    "kiosk.cli.command",
    "kiosk.cli.trust_tools",
)

GROUP_HELP = {
    "trust": "tools for the site's trust store: signed updates",
    "command": "signed remote commands for gates: operator keys, sign, send over MQTT",
    "audit": "verify the tamper-evident audit log; start a new chain after a broken one",
    "bench": "benchmarks that print JSON",
    "credential": "verify signed credentials offline; apply trust updates",
    "eval": "measure face recognition, mask and liveness accuracy on labelled photos",
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
EXIT_DATA_INTEGRITY = 4  # stored data damaged or tampered with: an operator must look (not worth a restart loop)
EXIT_IN_USE = 5  # another kiosk process holds the database


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
    arguments = sys.argv[1:] if argv is None else list(argv)
    for position, argument in enumerate(arguments, start=1):
        if not _is_text(argument):
            shown = _clip(repr(os.fsencode(argument)))
            print(f"kiosk: argument {position} {shown} is not UTF-8 text (expected UTF-8 names, ids and paths)", file=sys.stderr)
            return EXIT_USAGE
    args = parser.parse_args(arguments)
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
    except DataIntegrityError as err:
        _report(err)
        return EXIT_DATA_INTEGRITY
    except InUseError as err:
        _report(err)
        return EXIT_IN_USE
    except KioskError as err:
        _report(err)
        return EXIT_USAGE if isinstance(err, ValueError) else EXIT_FAILED
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`kiosk ... | head`): stop quietly, as the Python docs advise.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except sqlite3.DatabaseError as err:
        # A row someone edited by hand (bytes that are not UTF-8, a wrong type) met on the way.
        _report(KioskError(f"the database cannot be read ({err}): it may be damaged or edited by hand;"
                           " run 'kiosk audit verify', or restore it from a backup"))
        return EXIT_DATA_INTEGRITY
    except OSError as err:
        # A path the user named that the system refuses (too long, not a folder, no permission...).
        if os.environ.get("KIOSK_DEBUG") == "1":
            traceback.print_exception(err)
        where = f" {_clip(os.fsdecode(err.filename))!r}:" if err.filename is not None else ""
        print(f"kiosk:{where} {err.strerror or err}", file=sys.stderr)
        return EXIT_FAILED


def _is_text(argument: str) -> bool:
    try:
        argument.encode("utf-8")
    except UnicodeEncodeError:  # bytes that were not UTF-8 arrive surrogate-escaped
        return False
    return True


def _clip(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} characters)"


def _report(err: Exception) -> None:
    if os.environ.get("KIOSK_DEBUG") == "1":
        traceback.print_exception(err)
    print(f"kiosk: {err}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
