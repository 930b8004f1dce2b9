"""`kiosk credential verify`: verify one credential, or a JSONL batch of them, offline."""

from __future__ import annotations

import argparse
import dataclasses
import io
import json
import sys
from datetime import datetime, timezone
from pathlib import Path

from kiosk.cli import EXIT_FAILED, EXIT_OK, Command
from kiosk.errors import UsageError


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--text", help="the credential text a QR code carries (HC1:..., shc:/..., KP1:...)")
    source.add_argument("--image", type=Path, help="an image file holding the credential's QR code")
    source.add_argument(
        "--batch",
        action="store_true",
        help='JSONL on stdin, one {"id", "text", "at", "trust_certs": [base64 DER]} per line; JSONL verdicts on stdout',
    )
    parser.add_argument("--trust", type=Path, help="trust directory (required with --text and --image)")
    parser.add_argument("--at", help="verification time, ISO 8601 (default: now); a time without zone is UTC")
    parser.add_argument("--json", action="store_true", help="print the verdict as one JSON object")


def _verify(args: argparse.Namespace) -> int:
    from kiosk.credentials import CredentialsConfig, CredentialVerifier, TrustStore
    from kiosk.credentials.batch import run_batch

    if args.batch:
        # Bytes that are not UTF-8 become U+FFFD, so that line gets its own error verdict instead of ending the batch.
        run_batch(io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="replace"), sys.stdout)
        return EXIT_OK
    if args.trust is None:
        raise UsageError("--trust DIR is required with --text and --image (the directory of trusted issuer keys)")
    at = moment_at(args.at)
    text = args.text if args.text is not None else _text_from_image(args.image)
    verdict = CredentialVerifier(TrustStore.load(args.trust), CredentialsConfig()).verify(text, at)
    if args.json:
        fields = dataclasses.asdict(verdict)
        fields["valid_until"] = verdict.valid_until.isoformat() if verdict.valid_until else None
        print(json.dumps(fields))
    elif verdict.valid:
        print(f"VALID {verdict.format}: {verdict.message}")
    else:
        print(f"INVALID {verdict.format}: {verdict.message} (stage {verdict.stage}, reason {verdict.reason})")
    return EXIT_OK if verdict.valid else EXIT_FAILED


def moment_at(text: str | None) -> datetime:
    """`--at` as an aware datetime (UTC unless it says otherwise); now when not given."""
    if text is None:
        return datetime.now(timezone.utc)
    try:
        at = datetime.fromisoformat(text)
    except ValueError as err:
        raise UsageError(f"--at {text[:40]!r}: not an ISO 8601 time (expected e.g. 2021-06-01T12:00:00Z)") from err
    return at if at.tzinfo else at.replace(tzinfo=timezone.utc)


def _text_from_image(path: Path) -> str:
    from kiosk.credentials import ShcChunkAssembler
    from kiosk.images import UnreadableImage, read_image
    from kiosk.qr.decoder import StillImageDecoder

    try:
        image = read_image(path)
    except UnreadableImage as err:
        raise UsageError(f"--image: {err}") from err
    texts = [code.text for code in StillImageDecoder().trace(image).codes]
    if not texts:
        raise UsageError(f"--image '{path}': no QR code found (expected an image of one credential's QR code)")
    assembler = ShcChunkAssembler()
    whole = [result for result in (assembler.add(text) for text in texts) if result is not None]
    return whole[-1] if whole else texts[0]


def _update_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("update", type=Path, help="signed update file (trust store or revocation list)")
    parser.add_argument("--config", type=Path,
                        help="the gate's TOML config: its trust root (credentials.trust_dir) and the audit log that records the update"
                             " (default: built-in defaults, /var/lib/kiosk)")
    parser.add_argument("--trust", type=Path, help="trust root holding update-key.pem (default: the config's credentials.trust_dir)")


MAX_UPDATE_BYTES = 64 * 1024 * 1024


def _update(args: argparse.Namespace) -> int:
    from hardware.clock import SystemClock
    from kiosk.config import KioskConfig, load_config
    from kiosk.credentials.updates import apply_update
    from kiosk.storage import AuditKind, Storage

    config = load_config(KioskConfig, args.config) if args.config else KioskConfig()
    root = args.trust or config.credentials.trust_dir
    try:
        with args.update.open("rb") as file:
            update = file.read(MAX_UPDATE_BYTES + 1)
    except OSError as err:
        raise UsageError(f"update file '{args.update}': {err.strerror or err} (expected a signed update file)") from err
    if len(update) > MAX_UPDATE_BYTES:
        raise UsageError(f"update file '{args.update}': larger than {MAX_UPDATE_BYTES // (1024 * 1024)} MiB (expected a signed trust update)")
    storage = Storage.open(config.storage, SystemClock())  # first: no update without its audit record
    try:
        outcome = apply_update(root, update)
        details = {"by": "kiosk credential update-trust", "action": "update", "done": outcome.applied, "reason": outcome.reason, "sequence": outcome.sequence}
        storage.audit.append(AuditKind.TRUST_LIST_UPDATE, details)
    finally:
        storage.close()
    print(outcome.message)
    if outcome.applied:
        print("a running gate uses it after a signed 'reload-trust' command or a restart")
    return EXIT_OK if outcome.applied else EXIT_FAILED


COMMANDS = [
    Command(("credential", "verify"), "verify a signed credential offline and explain the verdict", _verify, _add_arguments),
    Command(("credential", "update-trust"), "apply a signed trust-store or revocation update (keeps the last good one)",
            _update, _update_arguments),
]
