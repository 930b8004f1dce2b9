"""The kiosk's own pass: an Ed25519 COSE_Sign1 over a CWT, base45 after a short prefix.

It carries an issuer, a pseudonymous subject id, issued/not-before/expiry times, the gates and
zones it opens, a random pass id, and optionally the public key of the holder's device. It
carries no name, birth date or health data.

The dynamic variant proves the pass is live: every `window_s` seconds the holder's device signs
(pass id, time step) with its own key, and shows `dynamic prefix + base45([pass, step, signature])`.
The gate checks the pass, that the step is the current one (or its neighbour, for clock skew) and
the device signature, and refuses a (pass, step) it has seen before: a screenshot is stale within
seconds and cannot be shown twice. A device-bound pass is accepted only this way: its static form
(which a rotating code carries inside it) is refused, and the device signature covers only
(context, pass id, step), so nothing lifted from a code outlives its time step.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import base45
import cbor2
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from kiosk.credentials.cose import check_signature, loads_cbor, parse_sign1, sign1
from kiosk.credentials.encoding import decode_base45
from kiosk.credentials.signers import ed25519_kid
from kiosk.credentials.trust import TrustStore
from kiosk.credentials.verdict import Accepted, Rejected

CLAIM_ISSUER, CLAIM_SUBJECT, CLAIM_EXPIRY, CLAIM_NOT_BEFORE, CLAIM_ISSUED_AT, CLAIM_PASS_ID = 1, 2, 4, 5, 6, 7
# Private CWT claims (RFC 8392 leaves labels below -65536 for private use).
CLAIM_GATES, CLAIM_ZONES, CLAIM_DEVICE_KEY = -70001, -70002, -70003
DYNAMIC_CONTEXT = "kiosk-dynamic-pass-v1"


@dataclass(frozen=True)
class PassClaims:
    issuer: str
    subject: str
    pass_id: bytes
    issued_at: datetime
    not_before: datetime
    expires_at: datetime
    gates: tuple[str, ...] = ()
    zones: tuple[str, ...] = ()
    device_key: bytes | None = None

    def allows(self, gate_id: str, zone: str) -> bool:
        """A pass naming no gates and no zones opens every gate of its issuer."""
        if not self.gates and not self.zones:
            return True
        return gate_id in self.gates or (bool(zone) and zone in self.zones)


def new_pass_id() -> bytes:
    return os.urandom(16)


def issue_pass(claims: PassClaims, issuer_key: ed25519.Ed25519PrivateKey, prefix: str) -> str:
    """The QR text of a signed pass."""
    cwt: dict[int, Any] = {
        CLAIM_ISSUER: claims.issuer,
        CLAIM_SUBJECT: claims.subject,
        CLAIM_EXPIRY: int(claims.expires_at.timestamp()),
        CLAIM_NOT_BEFORE: int(claims.not_before.timestamp()),
        CLAIM_ISSUED_AT: int(claims.issued_at.timestamp()),
        CLAIM_PASS_ID: claims.pass_id,
    }
    if claims.gates:
        cwt[CLAIM_GATES] = list(claims.gates)
    if claims.zones:
        cwt[CLAIM_ZONES] = list(claims.zones)
    if claims.device_key is not None:
        cwt[CLAIM_DEVICE_KEY] = claims.device_key
    signed = sign1(cbor2.dumps(cwt), issuer_key, ed25519_kid(issuer_key.public_key()))
    return prefix + base45.b45encode(signed).decode("ascii")


def dynamic_code(
    pass_text: str, pass_prefix: str, device_key: ed25519.Ed25519PrivateKey, at: datetime, window_s: int, prefix: str
) -> str:
    """What the holder's device shows at time `at`: the pass plus its device's signature of the time step."""
    if not pass_text.startswith(pass_prefix):
        raise ValueError(f"pass text {pass_text[:12]!r}...: expected it to start with {pass_prefix!r}")
    signed_pass = decode_base45(pass_text[len(pass_prefix) :])
    claims = read_claims(signed_pass)
    step = time_step(at, window_s)
    signature = device_key.sign(_dynamic_signed_bytes(claims.pass_id, step))
    return prefix + base45.b45encode(cbor2.dumps([signed_pass, step, signature])).decode("ascii")


def time_step(at: datetime, window_s: int) -> int:
    return math.floor(at.timestamp() / window_s)


def oldest_live_step(at: datetime, window_s: int) -> int:
    """The oldest time step whose code is still accepted at `at`: the previous one.

    Codes of the current step, the previous one (time to scan) and the next one (a phone clock a
    little ahead) are accepted; the general `clock_skew_s` does not apply, or a screenshot would
    live for minutes.
    """
    return time_step(at, window_s) - 1


def read_claims(signed_pass: bytes) -> PassClaims:
    """The claims of a signed pass, without checking its signature (use `verify_pass` for that)."""
    return _claims(loads_cbor(parse_sign1(signed_pass).payload, "pass content"))


def verify_pass(text: str, prefix: str, at: datetime, trust: TrustStore, clock_skew_s: float) -> tuple[Accepted, PassClaims]:
    """Verify a static pass text at time `at`; the caller applies the gate/zone policy.

    A pass bound to a device key is refused in this form: every rotating code carries the signed pass
    inside it, so its static form is what anyone can lift from a photo of the phone's screen.
    """
    if not text.startswith(prefix):
        raise Rejected("prefix", "unknown-prefix", "This is not a pass of this site.")
    accepted, claims = _verify_signed_pass(decode_base45(text[len(prefix) :]), at, trust, clock_skew_s)
    if claims.device_key is not None:
        raise Rejected(
            "policy",
            "device-bound-pass-shown-static",
            "This pass works only as the live, changing code on the holder's phone: open the pass there and show it.",
        )
    return accepted, claims


def verify_dynamic(text: str, prefix: str, at: datetime, trust: TrustStore, clock_skew_s: float, window_s: int) -> tuple[Accepted, PassClaims, int]:
    """Verify a rotating pass code; returns the step it was made for, for the caller's replay check."""
    if not text.startswith(prefix):
        raise Rejected("prefix", "unknown-prefix", "This is not a pass of this site.")
    envelope = loads_cbor(decode_base45(text[len(prefix) :]), "rotating pass")
    if not (isinstance(envelope, list) and len(envelope) == 3):
        raise Rejected("structure", "bad-dynamic-pass", "The rotating pass code is malformed.")
    signed_pass, step, signature = envelope
    if not (isinstance(signed_pass, bytes) and isinstance(step, int) and not isinstance(step, bool) and isinstance(signature, bytes)):
        raise Rejected("structure", "bad-dynamic-pass", "The rotating pass code is malformed.")
    accepted, claims = _verify_signed_pass(signed_pass, at, trust, clock_skew_s)
    if claims.device_key is None:
        raise Rejected("structure", "not-dynamic", "This pass is not bound to a device and cannot rotate.")
    try:
        ed25519.Ed25519PublicKey.from_public_bytes(claims.device_key).verify(signature, _dynamic_signed_bytes(claims.pass_id, step))
    except (InvalidSignature, ValueError) as err:
        raise Rejected("signature", "bad-device-signature", "The rotating code was not made by the pass holder's device.") from err
    if step > time_step(at, window_s) + 1:
        raise Rejected("validity-period", "code-from-future", "The phone's clock is ahead: set its time and show the code again.")
    if step < oldest_live_step(at, window_s):
        raise Rejected("validity-period", "code-stale", "This code has expired: show the live code on your phone.")
    return accepted, claims, step


def _verify_signed_pass(signed_pass: bytes, at: datetime, trust: TrustStore, clock_skew_s: float) -> tuple[Accepted, PassClaims]:
    message = parse_sign1(signed_pass)
    key = trust.pass_keys.get(message.kid) if message.kid is not None else None
    if key is None:
        raise Rejected("signature", "unknown-signer", "The pass was signed by a key this gate does not trust.")
    check_signature(message, key)
    claims = _claims(loads_cbor(message.payload, "pass content"))
    if claims.not_before.timestamp() > at.timestamp() + clock_skew_s:
        raise Rejected("validity-period", "not-yet-valid", f"This pass is valid only from {claims.not_before:%Y-%m-%d %H:%M}.")
    if at > claims.expires_at:
        raise Rejected("validity-period", "expired", f"This pass expired on {claims.expires_at:%Y-%m-%d}.")
    if trust.is_revoked(claims.pass_id.hex()):
        raise Rejected("revoked", "revoked", "This pass has been revoked.")
    accepted = Accepted(
        message=f"Valid pass until {claims.expires_at:%Y-%m-%d %H:%M}.",
        identifier=claims.pass_id.hex(),
        valid_until=claims.expires_at,
        holder_id=claims.subject,
    )
    return accepted, claims


def _claims(cwt: Any) -> PassClaims:
    if not isinstance(cwt, dict):
        raise Rejected("structure", "bad-cwt", "The pass content is not a CWT claims map.")
    issuer, subject, pass_id = cwt.get(CLAIM_ISSUER), cwt.get(CLAIM_SUBJECT), cwt.get(CLAIM_PASS_ID)
    gates, zones, device_key = cwt.get(CLAIM_GATES, []), cwt.get(CLAIM_ZONES, []), cwt.get(CLAIM_DEVICE_KEY)
    times = [cwt.get(label) for label in (CLAIM_ISSUED_AT, CLAIM_NOT_BEFORE, CLAIM_EXPIRY)]
    well_formed = (
        isinstance(issuer, str)
        and isinstance(subject, str)
        and isinstance(pass_id, bytes)
        and all(isinstance(t, int) and not isinstance(t, bool) and 0 <= t < 2**37 for t in times)
        and isinstance(gates, list)
        and isinstance(zones, list)
        and all(isinstance(name, str) for name in gates + zones)
        and (device_key is None or (isinstance(device_key, bytes) and len(device_key) == 32))
    )
    if not well_formed:
        raise Rejected("structure", "bad-pass-claims", "The pass content is missing fields or has fields of the wrong type.")
    issued_at, not_before, expires_at = (datetime.fromtimestamp(t, tz=timezone.utc) for t in times)
    return PassClaims(issuer, subject, pass_id, issued_at, not_before, expires_at, tuple(gates), tuple(zones), device_key)


def _dynamic_signed_bytes(pass_id: bytes, step: int) -> bytes:
    return cbor2.dumps([DYNAMIC_CONTEXT, pass_id, step])


def raw_public_key(key: ed25519.Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


class ReplayGuard:
    """Remembers which (pass id, time step) codes were accepted, for as long as they could be shown again."""

    def __init__(self) -> None:
        self._seen: dict[tuple[bytes, int], None] = {}

    def record(self, pass_id: bytes, step: int, oldest_live_step: int) -> bool:
        """Record a code; False when it was seen before. Forgets codes older than `oldest_live_step`."""
        for key in [key for key in self._seen if key[1] < oldest_live_step]:
            del self._seen[key]
        if (pass_id, step) in self._seen:
            return False
        self._seen[(pass_id, step)] = None
        return True
