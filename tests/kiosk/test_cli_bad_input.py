"""Bad input anywhere in the CLI is an error, never a traceback.

Every subcommand `kiosk.cli.load_commands()` knows is run, in-process through `main()` (a
subprocess per run would take minutes), once for each argument that takes a value and each kind
of bad input: an empty, a random binary and an oversized (3 MB) input, given both as a file the
argument names and as the argument's text itself. Commands that read standard input get the same
three on stdin. A run passes when `main()` returns an exit code (or argparse exits) and nothing
printed a traceback. The other arguments get harmless values; `--config` a config in tmp_path, so
nothing is written outside it.
"""

from __future__ import annotations

import argparse
import io
import logging
import os
import random
import sys
import traceback
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.cli import Command, load_commands, main

SKIPPED: dict[tuple[str, ...], str] = {
    ("run",): "serves the gate until a signal stops it; its start-up refusals are tested in tests/kiosk/service",
    ("sim", "thermometer"): "serves a simulated sensor on a pty until a signal stops it",
    ("bench", "decode"): "a benchmark that runs for minutes over a photo folder",
    ("bench", "thermal"): "a benchmark that runs for minutes",
    ("bench", "vision"): "a benchmark that runs for minutes",
    ("demo",): "its one input, --models-dir, only switches the face stage off (tests/kiosk/demo); each run takes ~7 s",
}
SKIPPED_ARGUMENTS: dict[tuple[tuple[str, ...], str], str] = {
    (("thermal", "calibrate"), "output"): "written only after a 5 s calibration against the simulated references",
}
# Arguments whose harmless value must be a real choice for the command to reach the argument under test.
HARMLESS: dict[tuple[tuple[str, ...], str], str] = {
    (("events", "export"), "since"): "7d",
    (("models", "fetch"), "names"): "no-such-model",  # never the whole manifest: that would download
}

OVERSIZED_BYTES = 3 * 1024 * 1024
ARGV_MAX_CHARS = 128 * 1024 - 1  # Linux refuses a longer single argument (MAX_ARG_STRLEN)


def bad_inputs() -> dict[str, bytes]:
    rng = random.Random(14)
    letters = b"abcdefghijklmnopqrstuvwxyz0123456789 =[]{}\":,\n"
    return {
        "empty": b"",
        "binary": rng.randbytes(4096),
        "oversized": bytes(rng.choice(letters) for _ in range(64 * 1024)) * (OVERSIZED_BYTES // (64 * 1024)),
    }


def as_argument_text(data: bytes) -> str:
    """The text an argv entry made of these bytes arrives as: NUL ends it, the rest is surrogate-escaped."""
    return os.fsdecode(data.replace(b"\0", b"")[:ARGV_MAX_CHARS])


def value_actions(command: Command) -> list[argparse.Action]:
    parser = argparse.ArgumentParser()
    command.add_arguments(parser)
    return [a for a in parser._actions if a.nargs != 0 and not isinstance(a, argparse._HelpAction)]


def reads_stdin(command: Command) -> list[str]:
    """The flag that makes a command read standard input ('... on stdin' in its help), if any."""
    parser = argparse.ArgumentParser()
    command.add_arguments(parser)
    return [a.option_strings[0] for a in parser._actions if a.nargs == 0 and "stdin" in (a.help or "") and a.option_strings]


def argv_for(command: Command, actions: list[argparse.Action], fuzzed: argparse.Action | None, value: str, config: Path, bad_file: Path) -> list[str]:
    argv = list(command.path)
    for action in actions:
        if action is fuzzed:
            given = value
        elif (command.path, action.dest) in HARMLESS:
            given = HARMLESS[(command.path, action.dest)]
        elif action.dest == "config":
            given = str(config)
        elif action.choices:
            given = str(next(iter(action.choices)))
        elif action.required or action.nargs == "+":
            given = str(bad_file) if action.type is Path else "x"
        else:
            continue
        if action.option_strings:
            argv += [action.option_strings[0], given]
        else:
            argv.append(given)
    return argv


def fuzz_runs(command: Command, tmp_path: Path, config: Path) -> Iterator[tuple[list[str], bytes]]:
    """(argv, stdin bytes) for every bad input the command can be given."""
    actions = value_actions(command)
    for kind, data in bad_inputs().items():
        bad_file = tmp_path / f"{kind}.input"
        bad_file.write_bytes(data)
        for action in actions:
            if action.choices or (command.path, action.dest) in SKIPPED_ARGUMENTS:
                continue  # argparse itself checks choices
            for value in (str(bad_file), as_argument_text(data)):
                yield argv_for(command, actions, action, value, config, bad_file), b""
        for flag in reads_stdin(command):
            yield [*argv_for(command, actions, None, "", config, bad_file), flag], data


def run_in_process(argv: list[str], stdin: bytes) -> str | None:
    """None when the run ended with an exit code and no traceback; else what went wrong.

    The standard streams behave as in a real process: stdout UTF-8 and strict, stderr with
    backslashreplace, so a message carrying undecodable argv bytes fails here as it would there.
    """
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="strict", write_through=True)
    err = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="backslashreplace", write_through=True)
    with pytest.MonkeyPatch.context() as streams:
        streams.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8"))
        streams.setattr(sys, "stdout", out)
        streams.setattr(sys, "stderr", err)
        streams.setattr(logging.getLogger(), "handlers", [])  # so main()'s logging.basicConfig writes to `err` too
        try:
            main(argv)
        except SystemExit:
            pass  # argparse refusing an argument: a usage line, not a traceback
        except BaseException as error:  # noqa: BLE001 - anything escaping main() is the traceback a user would see
            return clipped("".join(traceback.format_exception(error)))
    printed = b"".join(stream.buffer.getvalue() for stream in (out, err))  # type: ignore[attr-defined]
    return clipped(printed.decode("utf-8", "replace")) if b"Traceback" in printed else None


def clipped(text: str) -> str:
    """The last lines of a traceback, each cut short: a bad input may be megabytes long."""
    return "\n".join(line[:200] for line in text.splitlines()[-12:])


def short(argv: list[str]) -> str:
    return " ".join(repr(a[:40] + "...") if len(a) > 40 else repr(a) for a in argv)


COMMANDS = sorted(load_commands(), key=lambda c: c.path)


@pytest.mark.parametrize("command", COMMANDS, ids=[" ".join(c.path) for c in COMMANDS])
def test_bad_input_gives_an_error_not_a_traceback(
    command: Command, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if command.path in SKIPPED:
        pytest.skip(SKIPPED[command.path])
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("KIOSK_MODELS_DIR", str(tmp_path / "models"))
    monkeypatch.delenv("KIOSK_DEBUG", raising=False)
    (tmp_path / "trust").mkdir()
    config = tmp_path / "kiosk.toml"
    config.write_text(
        f'[storage]\npath = "{tmp_path / "kiosk.db"}"\ndevice_key_file = "{tmp_path / "device.key"}"\n'
        f'[credentials]\ntrust_dir = "{tmp_path / "trust"}"\n'
    )
    failures = []
    for argv, stdin in fuzz_runs(command, tmp_path, config):
        problem = run_in_process(argv, stdin)
        if problem:
            failures.append(f"kiosk {short(argv)}{' < bad stdin' if stdin else ''}\n{problem}")
    assert not failures, f"{len(failures)} run(s) ended in a traceback:\n\n" + "\n\n".join(failures)


def test_every_skip_names_a_command_that_exists() -> None:
    paths = {c.path for c in COMMANDS}
    assert set(SKIPPED) <= paths
    assert {path for path, _ in SKIPPED_ARGUMENTS} <= paths
