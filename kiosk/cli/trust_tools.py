"""`kiosk credential trust sign-update`: make the signed trust updates `kiosk credential update-trust` applies."""

from __future__ import annotations

import argparse
from pathlib import Path

from kiosk.cli import EXIT_OK, Command
from kiosk.errors import UsageError


def _sign_update_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--key", type=Path, required=True, help="the site's update private key (PEM Ed25519; its public half is the gates' update-key.pem)")
    parser.add_argument("--seq", type=int, required=True, help="sequence number, higher than the one the gates hold (they refuse a rollback)")
    parser.add_argument("--file", action="append", default=[], metavar="REL=PATH",
                        help="put the file PATH at REL in the trust layout, e.g. revoked.json=revoked.json or dcc/de.pem=de.pem (repeatable)")
    parser.add_argument("--delete", action="append", default=[], metavar="REL", help="remove REL from the trust layout (repeatable)")
    parser.add_argument("--out", type=Path, required=True, help="file to write the signed update to")


def _sign_update(args: argparse.Namespace) -> int:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519

    from kiosk.credentials.updates import ALLOWED_TOP_LEVEL, inside_layout, sign_update

    if args.seq < 1:
        raise UsageError(f"--seq {args.seq}: expected a sequence number of 1 or more")
    files: dict[str, bytes | None] = {}
    for item in args.file:
        relative, sep, path = item.partition("=")
        if not sep or not path:
            raise UsageError(f"--file {item!r}: expected REL=PATH, e.g. revoked.json=./revoked.json")
        try:
            files[relative] = Path(path).read_bytes()
        except OSError as err:
            raise UsageError(f"--file {item!r}: cannot read '{path}' ({err.strerror or err})") from err
    for relative in args.delete:
        files[relative] = None
    if not files:
        raise UsageError("no --file or --delete given (expected at least one change to the trust layout)")
    for relative in files:
        if not inside_layout(relative):
            layout = ", ".join(sorted(ALLOWED_TOP_LEVEL))
            raise UsageError(f"'{relative}': outside the trust layout (expected a path under one of {layout}, or revoked.json)")
    try:
        key = serialization.load_pem_private_key(args.key.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as err:
        raise UsageError(f"--key '{args.key}': cannot load it ({err.__class__.__name__}; expected an unencrypted PEM Ed25519 private key)") from err
    if not isinstance(key, ed25519.Ed25519PrivateKey):
        raise UsageError(f"--key '{args.key}': a {type(key).__name__} (expected an Ed25519 private key)")
    args.out.write_bytes(sign_update(files, args.seq, key))
    print(f"wrote {args.out}: update {args.seq} with {len(files)} change(s); apply with 'kiosk credential update-trust {args.out} --trust DIR'")
    return EXIT_OK


COMMANDS = [
    Command(("credential", "trust", "sign-update"), "sign a trust-store or revocation update for the gates (kiosk credential update-trust applies it)",
            _sign_update, _sign_update_arguments),
]
