"""Issuing a kiosk pass from the operator page, signed with the site's issuer key, with its QR code."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk.config.schema import KioskConfig
from kiosk.credentials.key_roles import ed25519_private_key, key_role, public_key_of_role
from kiosk.credentials.kiosk_pass import PassClaims, issue_pass, new_pass_id, raw_public_key
from kiosk.errors import KioskError
from kiosk.storage.people import person_id_problem

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric import ed25519

MAX_VALID_DAYS = 3660
MAX_DEVICE_KEY_BYTES = 16 * 1024


@dataclass(frozen=True)
class DeviceKey:
    """The holder's phone's public key as uploaded: `pem` as given, `name` the file it came from (for messages)."""

    pem: bytes
    name: str


class PassRefused(KioskError, ValueError):
    pass


@dataclass(frozen=True)
class IssuedPass:
    text: str
    pass_id: str  # hex, for the audit log: the text itself is never stored
    expires_at: datetime
    qr_svg: str
    bound_to_device: bool  # shown only as a rotating code from the holder's phone; gates refuse the text itself


def issue(
    config: KioskConfig, subject: str, valid_days: float, this_gate_only: bool, device_key: DeviceKey | None = None, now: datetime | None = None
) -> IssuedPass:
    """A pass for `subject` (a pseudonymous id) valid `valid_days`, bound to the holder's phone when `device_key` is given
    (as `kiosk pass issue --device-key`); PassRefused or UsageError saying why not."""
    import segno

    key_file = config.operator.pass_issuer_key_file
    if key_file is None:
        raise PassRefused("operator.pass_issuer_key_file: not set (expected the issuer key from 'kiosk pass keygen --role issuer')")
    problem = person_id_problem(subject)
    if problem:
        raise PassRefused(f"pass refused: {problem}")
    if not 0 < valid_days <= MAX_VALID_DAYS:
        raise PassRefused(f"valid days {valid_days:g}: expected more than 0 and at most {MAX_VALID_DAYS}")
    bound_key = _device_key(device_key) if device_key is not None else None
    at = now or datetime.now(timezone.utc)
    claims = PassClaims(
        issuer=config.operator.pass_issuer,
        subject=subject,
        pass_id=new_pass_id(),
        issued_at=at,
        not_before=at,
        expires_at=at + timedelta(days=valid_days),
        gates=(config.gate.gate_id,) if this_gate_only else (),
        device_key=bound_key,
    )
    text = issue_pass(claims, _issuer_key(key_file), config.credentials.pass_prefix)
    svg = segno.make_qr(text, error="m").svg_inline(scale=4, border=4, title="kiosk pass")
    return IssuedPass(text, claims.pass_id.hex(), claims.expires_at, svg, bound_key is not None)


def _device_key(device_key: DeviceKey) -> bytes:
    """The raw public key to bind; refused as the CLI refuses it (a key of another role, not an Ed25519 public key)."""
    if len(device_key.pem) > MAX_DEVICE_KEY_BYTES:
        raise PassRefused(f"key '{device_key.name}': {len(device_key.pem)} bytes (expected a PEM public key of at most {MAX_DEVICE_KEY_BYTES})")
    return raw_public_key(public_key_of_role(device_key.pem, f"'{device_key.name}'", "device"))


def _issuer_key(path: Path) -> ed25519.Ed25519PrivateKey:
    try:
        pem = path.read_bytes()
    except OSError as err:
        raise PassRefused(f"operator.pass_issuer_key_file '{path}': {err.strerror or err} (expected the issuer private key)") from err
    role = key_role(pem)
    if role not in (None, "issuer"):
        raise PassRefused(f"operator.pass_issuer_key_file '{path}': a {role} key (expected an issuer key from 'kiosk pass keygen --role issuer')")
    try:
        return ed25519_private_key(pem)
    except ValueError as err:
        raise PassRefused(f"operator.pass_issuer_key_file '{path}': {err} (expected an unencrypted PEM Ed25519 private key)") from err
