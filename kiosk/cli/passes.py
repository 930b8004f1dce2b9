"""`kiosk pass keygen | issue | code | show | qr`: the kiosk's own signed passes."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk.cli import EXIT_FAILED, EXIT_OK, Command
from kiosk.credentials.config import CredentialsConfig
from kiosk.credentials.key_roles import ROLES, ed25519_private_key, public_key_of_role, refuse_other_role, write_key_pair
from kiosk.errors import UsageError

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric import ed25519


def _keygen_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", type=Path, help="key path without suffix: writes NAME.key.pem (private) and NAME.pub.pem")
    parser.add_argument("--role", choices=ROLES, required=True,
                        help="issuer: signs passes, its public key goes into the gates' trust directory;"
                             " device: a holder's phone, its public key goes into that holder's pass (never into the trust directory)")


_KEYGEN_ADVICE = {
    "issuer": "wrote {private} (keep secret: it signs passes) and {public} (copy into the trust directory's kiosk/ folder)",
    "device": "wrote {private} (stays on the holder's phone: it signs the rotating codes) and {public}"
              " (give it to the issuer for 'kiosk pass issue --device-key {public}'; never put it in the trust directory,"
              " which refuses device keys)",
}


def _keygen(args: argparse.Namespace) -> int:
    private_path, public_path = write_key_pair(args.name, args.role)
    print(_KEYGEN_ADVICE[args.role].format(private=private_path, public=public_path))
    return EXIT_OK


def _issue_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--key", type=Path, required=True, help="issuer private key (NAME.key.pem from keygen --role issuer)")
    parser.add_argument("--subject", required=True, help="pseudonymous subject id (never a name)")
    parser.add_argument("--issuer", default="kiosk", help="issuer name recorded in the pass")
    parser.add_argument("--valid-days", type=float, default=30.0, help="validity from --at, days")
    parser.add_argument("--gate", action="append", default=[], help="a gate the pass opens (repeatable; none: all)")
    parser.add_argument("--zone", action="append", default=[], help="a zone the pass opens (repeatable)")
    parser.add_argument("--device-key", type=Path,
                        help="holder device public key (NAME.pub.pem from keygen --role device): the pass is then accepted"
                             " only as the rotating code from 'kiosk pass code', never as its KP1: text")
    parser.add_argument("--at", help="issue time, ISO 8601 (default: now)")


def _issue(args: argparse.Namespace) -> int:
    from kiosk.credentials.kiosk_pass import PassClaims, issue_pass, new_pass_id, raw_public_key
    from kiosk.storage.people import person_id_problem

    if args.valid_days <= 0:
        raise UsageError(f"--valid-days {args.valid_days}: expected a positive number of days")
    if person_id_problem(args.subject):
        raise UsageError(f"--subject {args.subject!r}: expected a pseudonymous code of lowercase letters, digits and dashes"
                         " (the id the holder is enrolled under), never a name")
    at = _time(args.at)
    device_key = raw_public_key(_public_key(args.device_key, "device")) if args.device_key else None
    claims = PassClaims(
        issuer=args.issuer,
        subject=args.subject,
        pass_id=new_pass_id(),
        issued_at=at,
        not_before=at,
        expires_at=at + timedelta(days=args.valid_days),
        gates=tuple(args.gate),
        zones=tuple(args.zone),
        device_key=device_key,
    )
    print(issue_pass(claims, _private_key(args.key, "issuer"), CredentialsConfig().pass_prefix))
    if device_key is not None:
        print("this pass is bound to the device key: load it onto the holder's phone, which shows it as a rotating"
              " code ('kiosk pass code'); gates refuse the KP1: text itself", file=sys.stderr)
    return EXIT_OK


def _code_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("pass_text", metavar="PASS", help="the pass text (KP1:...) bound to the device key")
    parser.add_argument("--device-key", type=Path, required=True, help="holder device private key (NAME.key.pem)")
    parser.add_argument("--at", help="time to make the code for, ISO 8601 (default: now)")


def _code(args: argparse.Namespace) -> int:
    from kiosk.credentials.kiosk_pass import dynamic_code

    config = CredentialsConfig()
    try:
        code = dynamic_code(args.pass_text, config.pass_prefix, _private_key(args.device_key, "device"), _time(args.at),
                            config.dynamic_window_s, config.dynamic_pass_prefix)
    except ValueError as err:
        raise UsageError(str(err)) from err
    print(code)
    return EXIT_OK


def _show_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("pass_text", metavar="PASS", help="the pass text (KP1:...)")


def _show(args: argparse.Namespace) -> int:
    from kiosk.credentials.encoding import decode_base45
    from kiosk.credentials.kiosk_pass import read_claims
    from kiosk.credentials.verdict import Rejected

    prefix = CredentialsConfig().pass_prefix
    if not args.pass_text.startswith(prefix):
        raise UsageError(f"pass {args.pass_text[:12]!r}: expected text starting with {prefix!r}")
    try:
        claims = read_claims(decode_base45(args.pass_text[len(prefix) :]))
    except Rejected as rejected:
        print(f"not a readable pass: {rejected.message}")
        return EXIT_FAILED
    shown = {
        "issuer": claims.issuer,
        "subject": claims.subject,
        "pass_id": claims.pass_id.hex(),
        "issued_at": claims.issued_at.isoformat(),
        "not_before": claims.not_before.isoformat(),
        "expires_at": claims.expires_at.isoformat(),
        "gates": list(claims.gates),
        "zones": list(claims.zones),
        "rotating": claims.device_key is not None,
        "signature": "not checked (use kiosk credential verify --trust DIR)",
    }
    print(json.dumps(shown, indent=2))
    return EXIT_OK


def _qr_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("text", help="the text to encode (a pass or a rotating code)")
    parser.add_argument("--out", type=Path, required=True, help="PNG file to write")
    parser.add_argument("--scale", type=int, default=8, help="pixels per QR module")


def _qr(args: argparse.Namespace) -> int:
    import segno

    if args.out.suffix.lower() != ".png":
        raise UsageError(f"--out '{args.out}': expected a .png file name")
    segno.make_qr(args.text, error="m").save(str(args.out), scale=args.scale, border=4)
    print(f"wrote {args.out}")
    return EXIT_OK


def _time(text: str | None) -> datetime:
    if text is None:
        return datetime.now(timezone.utc)
    try:
        at = datetime.fromisoformat(text)
    except ValueError as err:
        raise UsageError(f"--at {text!r}: not an ISO 8601 time (expected e.g. 2026-01-01T08:00:00Z)") from err
    return at if at.tzinfo else at.replace(tzinfo=timezone.utc)


def _private_key(path: Path, role: str) -> ed25519.Ed25519PrivateKey:
    pem = _key_file(path, role)
    try:
        return ed25519_private_key(pem)
    except ValueError as err:
        raise UsageError(f"key '{path}': {err} (expected an unencrypted PEM Ed25519 private key from 'kiosk pass keygen')") from err


def _public_key(path: Path, role: str) -> ed25519.Ed25519PublicKey:
    return public_key_of_role(_key_file(path, role), f"'{path}'", role)


def _key_file(path: Path, role: str) -> bytes:
    """The key file's bytes, refused when its role line names another role (unmarked keys pass)."""
    try:
        pem = path.read_bytes()
    except OSError as err:
        raise UsageError(f"key '{path}': {err.strerror or err} (expected a key file from 'kiosk pass keygen --role {role}')") from err
    refuse_other_role(pem, f"'{path}'", role)
    return pem


COMMANDS = [
    Command(("pass", "keygen"), "make an Ed25519 key pair for issuing passes or for a holder's device", _keygen, _keygen_arguments),
    Command(("pass", "issue"), "issue a signed pass (prints its QR text)", _issue, _issue_arguments),
    Command(("pass", "code"), "print the rotating code a holder's device shows for a pass", _code, _code_arguments),
    Command(("pass", "show"), "show what a pass says (without checking its signature)", _show, _show_arguments),
    Command(("pass", "qr"), "write a pass or code as a QR code PNG", _qr, _qr_arguments),
]
