"""Issuing a kiosk pass from the operator page, signed with the site's issuer key, with its QR code."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk.config.schema import KioskConfig
from kiosk.credentials.key_roles import key_role
from kiosk.credentials.kiosk_pass import PassClaims, issue_pass, new_pass_id
from kiosk.errors import KioskError
from kiosk.storage.people import person_id_problem

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric import ed25519

MAX_VALID_DAYS = 3660


class PassRefused(KioskError, ValueError):
    pass


@dataclass(frozen=True)
class IssuedPass:
    text: str
    pass_id: str  # hex, for the audit log: the text itself is never stored
    expires_at: datetime
    qr_svg: str


def issue(config: KioskConfig, subject: str, valid_days: float, this_gate_only: bool, now: datetime | None = None) -> IssuedPass:
    """A static pass for `subject` (a pseudonymous id) valid `valid_days`; PassRefused saying why not."""
    import segno

    key_file = config.operator.pass_issuer_key_file
    if key_file is None:
        raise PassRefused("operator.pass_issuer_key_file: not set (expected the issuer key from 'kiosk pass keygen --role issuer')")
    problem = person_id_problem(subject)
    if problem:
        raise PassRefused(f"pass refused: {problem}")
    if not 0 < valid_days <= MAX_VALID_DAYS:
        raise PassRefused(f"valid days {valid_days:g}: expected more than 0 and at most {MAX_VALID_DAYS}")
    at = now or datetime.now(timezone.utc)
    claims = PassClaims(
        issuer=config.operator.pass_issuer,
        subject=subject,
        pass_id=new_pass_id(),
        issued_at=at,
        not_before=at,
        expires_at=at + timedelta(days=valid_days),
        gates=(config.gate.gate_id,) if this_gate_only else (),
    )
    text = issue_pass(claims, _issuer_key(key_file), config.credentials.pass_prefix)
    svg = segno.make_qr(text, error="m").svg_inline(scale=4, border=4, title="kiosk pass")
    return IssuedPass(text, claims.pass_id.hex(), claims.expires_at, svg)


def _issuer_key(path: Path) -> ed25519.Ed25519PrivateKey:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519

    try:
        pem = path.read_bytes()
    except OSError as err:
        raise PassRefused(f"operator.pass_issuer_key_file '{path}': {err.strerror or err} (expected the issuer private key)") from err
    role = key_role(pem)
    if role not in (None, "issuer"):
        raise PassRefused(f"operator.pass_issuer_key_file '{path}': a {role} key (expected an issuer key from 'kiosk pass keygen --role issuer')")
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as err:
        raise PassRefused(f"operator.pass_issuer_key_file '{path}': {err} (expected an unencrypted PEM Ed25519 private key)") from err
    if not isinstance(key, ed25519.Ed25519PrivateKey):
        raise PassRefused(f"operator.pass_issuer_key_file '{path}': a {type(key).__name__} (expected an Ed25519 private key)")
    return key
