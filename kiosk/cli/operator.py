"""`kiosk operator add|unlock|certificate`: the operator page's local accounts and its HTTPS certificate."""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk.cli import EXIT_OK, Command
from kiosk.config import KioskConfig, load_config
from kiosk.errors import KioskError, UsageError

if TYPE_CHECKING:
    from kiosk.operator.accounts import AccountStore


def _config(args: argparse.Namespace) -> KioskConfig:
    return load_config(KioskConfig, args.config) if args.config else KioskConfig()


def _config_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", metavar="FILE", help="kiosk TOML config (default: built-in defaults)")


def _name_arguments(parser: argparse.ArgumentParser) -> None:
    _config_argument(parser)
    parser.add_argument("name", help="the operator's log-in name (lower-case letters, digits, '.', '_', '-')")


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    _name_arguments(parser)
    parser.add_argument("--password-stdin", action="store_true", help="read the password from the first line of standard input")


def _password(args: argparse.Namespace) -> str:
    try:
        if args.password_stdin:
            return sys.stdin.readline().rstrip("\n")
        if not sys.stdin.isatty():
            raise UsageError(f"operator {args.name!r}: no terminal to ask the password on (expected one, or --password-stdin)")
        first = getpass.getpass(f"password for {args.name}: ")
        second = getpass.getpass("again: ")
    except (EOFError, UnicodeDecodeError) as err:
        raise UsageError(f"operator {args.name!r}: no readable password on standard input (expected one line of text)") from err
    if second != first:
        raise KioskError(f"operator {args.name!r}: the two passwords differ (expected the same password twice)")
    return first


def _audit(config: KioskConfig, kind: str, **details: object) -> None:
    from hardware.clock import SystemClock
    from kiosk.storage import Storage

    with Storage.open(config.storage, SystemClock()) as storage:
        storage.audit.append(kind, dict(details))


def _accounts(config: KioskConfig) -> AccountStore:
    from kiosk.operator.accounts import AccountStore

    return AccountStore(config.operator.accounts_file, config.operator.lockout_s)


def _add(args: argparse.Namespace) -> int:
    config = _config(args)
    _accounts(config).add(args.name, _password(args))
    _audit(config, "operator-added", operator=args.name)
    print(f"operator {args.name} added to {config.operator.accounts_file}")
    return EXIT_OK


def _unlock(args: argparse.Namespace) -> int:
    config = _config(args)
    _accounts(config).unlock(args.name)
    _audit(config, "operator-unlocked", operator=args.name)
    print(f"operator {args.name} unlocked")
    return EXIT_OK


def _certificate_arguments(parser: argparse.ArgumentParser) -> None:
    _config_argument(parser)
    parser.add_argument("--host", action="append", default=[], help="a name or address the page is reached by (repeatable)")
    parser.add_argument("--days", type=int, default=825, help="validity in days (default 825)")


def _certificate(args: argparse.Namespace) -> int:
    from kiosk.operator.certificate import write_self_signed

    config = _config(args).operator
    if config.tls_cert_file is None or config.tls_key_file is None:
        raise KioskError("operator.tls_cert_file and operator.tls_key_file: not set (expected where to write the certificate and key)")
    fingerprint = write_self_signed(Path(config.tls_cert_file), Path(config.tls_key_file), args.host or [config.host], args.days)
    print(f"self-signed certificate written to {config.tls_cert_file} (SHA-256 {fingerprint}: compare it when the browser asks)")
    return EXIT_OK


COMMANDS = [
    Command(("operator", "add"), "add an operator account for the operator page (password asked twice, scrypt-hashed)", _add, _add_arguments),
    Command(("operator", "unlock"), "lift the lock-out of an operator account after too many wrong passwords", _unlock, _name_arguments),
    Command(("operator", "certificate"), "make the operator page's self-signed HTTPS certificate and key", _certificate, _certificate_arguments),
]
