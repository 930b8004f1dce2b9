"""`kiosk credential trust import | sign-update`: published signer lists in, signed trust updates out.

The chain: `trust import` checks a published DCC signer list entry by entry into a staging folder,
`trust sign-update --replace-dir dcc=STAGING/dcc` signs it as an update that replaces the gates'
signers whole, and the gates apply it (`kiosk credential update-trust`, or a signed `reload-trust`
command carrying it over MQTT).
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk.cli import EXIT_FAILED, EXIT_OK, Command
from kiosk.cli.credential import moment_at
from kiosk.errors import UsageError

if TYPE_CHECKING:
    from cryptography import x509

MAX_LIST_BYTES = 64 * 1024 * 1024
MAX_ANCHOR_BYTES = 256 * 1024


def _sign_update_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--key", type=Path, required=True, help="the site's update private key (PEM Ed25519; its public half is the gates' update-key.pem)")
    parser.add_argument("--seq", type=int, required=True, help="sequence number, higher than the one the gates hold (they refuse a rollback)")
    parser.add_argument("--file", action="append", default=[], metavar="REL=PATH",
                        help="put the file PATH at REL in the trust layout, e.g. revoked.json=revoked.json or dcc/de.pem=de.pem (repeatable)")
    parser.add_argument("--delete", action="append", default=[], metavar="REL", help="remove REL from the trust layout (repeatable)")
    parser.add_argument("--replace-dir", action="append", default=[], metavar="FOLDER=DIR",
                        help="replace the gates' FOLDER (dcc, shc or kiosk) whole with the files in DIR, e.g. dcc=staging/dcc from 'trust import'")
    parser.add_argument("--out", type=Path, required=True, help="file to write the signed update to")


def _sign_update(args: argparse.Namespace) -> int:
    from kiosk.credentials.key_roles import ed25519_private_key
    from kiosk.credentials.updates import ALLOWED_TOP_LEVEL, MAX_SEQUENCE, inside_layout, is_folder_clear, sign_update

    if not 1 <= args.seq <= MAX_SEQUENCE:
        raise UsageError(f"--seq {args.seq}: expected a sequence number from 1 to {MAX_SEQUENCE} (the gates refuse others)")
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
    for item in args.replace_dir:
        files.update(_folder_files(item))
    if not files:
        raise UsageError("no --file or --delete given (expected at least one change to the trust layout)")
    secret = next((relative for relative, data in files.items() if data is not None and b"PRIVATE KEY-----" in data), None)
    if secret is not None:
        raise UsageError(f"'{secret}': holds a private key (expected only public keys, certificates and lists: a private key never goes to the gates)")
    for relative in files:
        if not inside_layout(relative) and not is_folder_clear(relative, files[relative]):
            layout = ", ".join(sorted(ALLOWED_TOP_LEVEL))
            raise UsageError(f"'{relative}': outside the trust layout (expected a path under one of {layout}, or revoked.json)")
    try:
        key = ed25519_private_key(args.key.read_bytes())
    except (OSError, ValueError) as err:
        raise UsageError(f"--key '{args.key}': cannot load it ({err}; expected an unencrypted PEM Ed25519 private key)") from err
    args.out.write_bytes(sign_update(files, args.seq, key))
    print(f"wrote {args.out}: update {args.seq} with {len(files)} change(s); apply with 'kiosk credential update-trust {args.out} --trust DIR'")
    return EXIT_OK


def _folder_files(item: str) -> dict[str, bytes | None]:
    """{"FOLDER/": None (empty it first), "FOLDER/<name>": bytes for each file under DIR}."""
    folder, sep, directory = item.partition("=")
    if not sep or folder not in ("dcc", "shc", "kiosk") or not directory:
        raise UsageError(f"--replace-dir {item[:80]!r}: expected FOLDER=DIR with FOLDER dcc, shc or kiosk")
    root = Path(directory)
    try:
        paths = sorted(p for p in root.rglob("*") if p.is_file() or p.is_symlink()) if root.is_dir() else None
        if paths is None:
            raise UsageError(f"--replace-dir {item[:80]!r}: '{directory[:80]}' is not a folder")
        linked = next((p for p in paths if p.is_symlink() or any(parent.is_symlink() for parent in p.relative_to(root).parents if parent != Path("."))), None)
        if linked is not None:  # whatever it points at (the update key, say) would be signed and sent to every gate
            raise UsageError(f"--replace-dir {item[:80]!r}: '{linked}' is a symbolic link (expected only the files to send, as import writes them)")
        files: dict[str, bytes | None] = {f"{folder}/": None}
        for path in paths:
            files[f"{folder}/{path.relative_to(root).as_posix()}"] = path.read_bytes()
    except OSError as err:
        raise UsageError(f"--replace-dir {item[:80]!r}: cannot read it ({err.strerror or err})") from err
    return files


def _import_arguments(parser: argparse.ArgumentParser) -> None:
    from kiosk.credentials.signer_lists import FORMATS

    parser.add_argument("list", type=Path, help="the signer list as published (downloaded file)")
    parser.add_argument("--format", required=True, choices=FORMATS,
                        help="eu-gateway: the EU DCC Gateway's trust list (JSON array); de-dsc: the German DSC list (signature line, then JSON)")
    parser.add_argument("--out", type=Path, required=True, help="a new or empty staging folder: OUT/dcc/ gets the signers, OUT/import-report.json what was skipped and why")
    parser.add_argument("--list-key", type=Path, help="de-dsc: the list publisher's PEM EC P-256 public key the list's signature must verify with")
    parser.add_argument("--trust-anchor", type=Path,
                        help="eu-gateway: the gateway's trust anchor certificate(s), PEM; a DSC is imported only if it chains"
                             " to them through its country's CSCA and UPLOAD entries")
    parser.add_argument("--unverified", action="store_true",
                        help="import without checking the list's signature (de-dsc) or the entries' signatures (eu-gateway);"
                             " only for a copy you got over a channel you trust")
    parser.add_argument("--at", help="check expiry at this time, ISO 8601 (default: now); a time without zone is UTC")


def _import(args: argparse.Namespace) -> int:
    from kiosk.credentials.signer_lists import SignerListError, read_signer_list

    if args.format != "de-dsc" and args.list_key is not None:
        raise UsageError(f"--list-key: applies to --format de-dsc only (this list is {args.format})")
    if args.format != "eu-gateway" and args.trust_anchor is not None:
        raise UsageError(f"--trust-anchor: applies to --format eu-gateway only (this list is {args.format})")
    if args.format == "de-dsc" and (args.list_key is None) == (not args.unverified):
        raise UsageError("--format de-dsc: give --list-key PEM (the list's signature is checked) or --unverified (it is not), not both or neither")
    if args.format == "eu-gateway" and (args.trust_anchor is None) == (not args.unverified):
        raise UsageError("--format eu-gateway: give --trust-anchor PEM (each DSC must chain to the gateway's trust anchor)"
                         " or --unverified (the entries' signatures are not checked), not both or neither")
    at = moment_at(args.at)
    list_key = _list_key(args.list_key) if args.list_key else None
    trust_anchors = _trust_anchors(args.trust_anchor) if args.trust_anchor else ()
    data = _read_at_most(args.list, MAX_LIST_BYTES, "list", "expected a published signer list")
    out = _empty_folder(args.out)
    try:
        result = read_signer_list(data, args.format, at, list_key=list_key, trust_anchors=trust_anchors)
    except SignerListError as err:
        raise UsageError(f"'{args.list}': {err}") from err
    try:
        (out / "dcc").mkdir(parents=True)
        for signer in result.signers:
            (out / "dcc" / signer.file_name).write_bytes(signer.der)
        report = {
            "format": args.format, "list_signature": result.signature, "checked_at": at.isoformat(),
            "imported": [{"kid": s.kid.hex(), "country": s.country, "file": f"dcc/{s.file_name}", "not_after": s.not_after.isoformat()} for s in result.signers],
            "skipped": [{"index": s.index, "kid": s.kid, "reason": s.reason, "detail": s.detail} for s in result.skipped],
        }
        (out / "import-report.json").write_text(json.dumps(report, indent=1), encoding="utf-8")
    except OSError as err:
        raise UsageError(f"--out '{args.out}': cannot write ({err.strerror or err})") from err
    countries = len({s.country for s in result.signers})
    reasons = ", ".join(f"{reason} {count}" for reason, count in sorted(Counter(s.reason for s in result.skipped).items()))
    print(f"imported {len(result.signers)} document signer(s) from {countries} countr{'y' if countries == 1 else 'ies'} into {out / 'dcc'}"
          f" ({'entry signatures' if args.format == 'eu-gateway' else 'list signature'}: {result.signature})")
    if result.skipped:
        print(f"skipped {len(result.skipped)}: {reasons}; each with its reason in {out / 'import-report.json'}")
    if not result.signers:
        print("nothing to trust: no entry passed the checks")
        return EXIT_FAILED
    print(f"next: kiosk credential trust sign-update --key UPDATE_KEY --seq N --replace-dir dcc={out / 'dcc'} --out update.cose")
    return EXIT_OK


def _list_key(path: Path) -> object:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    try:
        key = serialization.load_pem_public_key(path.read_bytes())
    except (OSError, ValueError, TypeError) as err:
        raise UsageError(f"--list-key '{path}': cannot load it ({err.__class__.__name__}; expected a PEM EC P-256 public key)") from err
    if not (isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1)):
        raise UsageError(f"--list-key '{path}': a {type(key).__name__} (expected an EC P-256 public key)")
    return key


def _trust_anchors(path: Path) -> tuple[x509.Certificate, ...]:
    from cryptography import x509

    expected = "expected the gateway's trust anchor certificate(s), PEM"
    data = _read_at_most(path, MAX_ANCHOR_BYTES, "--trust-anchor", expected)
    try:
        return tuple(x509.load_pem_x509_certificates(data))
    except ValueError as err:
        raise UsageError(f"--trust-anchor '{path}': no readable certificate in it ({expected})") from err


def _read_at_most(path: Path, limit: int, what: str, expected: str) -> bytes:
    """The file's bytes, refused (naming `what` and what was expected) when unreadable or over `limit` bytes."""
    try:
        with path.open("rb") as file:
            data = file.read(limit + 1)
    except OSError as err:
        raise UsageError(f"{what} '{path}': cannot read it ({err.strerror or err}; {expected})") from err
    if len(data) > limit:
        size = f"{limit // (1024 * 1024)} MiB" if limit >= 1024 * 1024 else f"{limit // 1024} KiB"
        raise UsageError(f"{what} '{path}': larger than {size} ({expected})")
    return data


def _empty_folder(path: Path) -> Path:
    try:
        if path.exists() and (not path.is_dir() or any(path.iterdir())):
            raise UsageError(f"--out '{path}': not a new or empty folder (expected a staging folder of its own)")
        path.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise UsageError(f"--out '{path}': cannot create it ({err.strerror or err})") from err
    return path


COMMANDS = [
    Command(("credential", "trust", "import"), "check a published DCC signer list entry by entry into a staging folder for sign-update",
            _import, _import_arguments),
    Command(("credential", "trust", "sign-update"), "sign a trust-store or revocation update for the gates (kiosk credential update-trust applies it)",
            _sign_update, _sign_update_arguments),
]
