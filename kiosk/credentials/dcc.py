"""EU Digital COVID Certificate (`HC1:`): base45 -> zlib -> COSE_Sign1 -> CWT -> health certificate.

Checks, in order: prefix, base45, zlib (size-limited), COSE structure, signer by `kid` and its
signature (before the signed content is parsed), CWT structure, the signer's extended key usage for the certificate type, the JSON schema of the payload's
version, the validity period (now <= exp, the signer certificate valid now and at iat), and
revocation of the UVCI.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any

from kiosk.credentials.cose import CoseSign1, check_signature, loads_cbor, parse_sign1
from kiosk.credentials.dcc_schema import ENTRY_GROUPS, check_payload
from kiosk.credentials.encoding import decode_base45, inflate
from kiosk.credentials.signers import DocumentSigner
from kiosk.credentials.trust import TrustStore
from kiosk.credentials.verdict import Accepted, Rejected

PREFIX = "HC1:"
CLAIM_EXPIRY, CLAIM_ISSUED_AT, CLAIM_HCERT = 4, 6, -260
TYPE_NAMES = {"v": "vaccination", "t": "test", "r": "recovery"}


def verify_dcc(text: str, at: datetime, trust: TrustStore, max_decompressed_bytes: int) -> Accepted:
    """Verify an `HC1:` text at time `at`; raise Rejected at the first failing stage."""
    if not text.startswith(PREFIX):
        raise Rejected("prefix", "unknown-prefix", "This is not an EU Digital COVID Certificate.")
    compressed = decode_base45(text[len(PREFIX) :])
    message = parse_sign1(inflate(compressed, max_decompressed_bytes))
    signer = _signer(message, trust)
    claims = loads_cbor(message.payload, "certificate content")
    if not isinstance(claims, dict):
        raise Rejected("structure", "bad-cwt", "The certificate's content is not a CWT claims map.")
    payload = _health_certificate(claims)
    groups = [group for group in ENTRY_GROUPS if group in payload]
    if len(groups) == 1 and not signer.may_sign(groups[0]):
        name = TYPE_NAMES[groups[0]]
        raise Rejected("key-usage", "signer-not-allowed", f"The issuer's key may not sign {name} certificates.")
    certificate_type = check_payload(payload)
    expires_at = _check_times(claims, signer, at)
    uvcis = [entry["ci"] for entry in payload[certificate_type] if isinstance(entry, dict) and isinstance(entry.get("ci"), str)]
    if any(trust.is_revoked(uvci) for uvci in uvcis):
        raise Rejected("revoked", "revoked", "This certificate has been revoked by its issuer.")
    return Accepted(
        message=f"Valid EU COVID certificate ({TYPE_NAMES[certificate_type]}) until {expires_at:%Y-%m-%d}.",
        identifier=uvcis[0] if uvcis else None,
        valid_until=expires_at,
    )


def _signer(message: CoseSign1, trust: TrustStore) -> DocumentSigner:
    """The trusted signer named by the message's kid whose key verifies the signature (kids may collide)."""
    if message.kid is None:
        raise Rejected("signature", "no-kid", "The certificate does not name its signing key.")
    candidates = trust.dcc_signers.get(message.kid, ())
    if not candidates:
        raise Rejected("signature", "unknown-signer", "The certificate was signed by a key this gate does not trust.")
    for signer in candidates[:-1]:
        try:
            check_signature(message, signer.public_key)
            return signer
        except Rejected:
            continue
    check_signature(message, candidates[-1].public_key)
    return candidates[-1]


def _health_certificate(claims: dict) -> dict:
    hcert = claims.get(CLAIM_HCERT)
    payload = hcert.get(1) if isinstance(hcert, dict) else None
    if not isinstance(payload, dict):
        raise Rejected("structure", "no-health-certificate", "The code carries no health certificate.")
    return _as_json(payload)


def _as_json(value: Any) -> Any:
    """CBOR-decoded data as JSON data for schema validation: tagged dates become ISO 8601 strings."""
    if isinstance(value, dict):
        return {key: _as_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_as_json(item) for item in value]
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _check_times(claims: dict, signer: DocumentSigner, at: datetime) -> datetime:
    """Return the expiry; raise Rejected unless `at` is before it and the signer's certificate covers `at` and iat.

    `iat` itself is not compared with `at`: issuers' clocks run ahead of gates' (test suites and
    real certificates carry iat hours or days after the verifier's clock), and a certificate's
    window is bounded by its `exp` and by its signer's validity, which are checked.
    """
    expires_at = _timestamp(claims.get(CLAIM_EXPIRY))
    issued_at = _timestamp(claims.get(CLAIM_ISSUED_AT)) if CLAIM_ISSUED_AT in claims else None
    if expires_at is None or (CLAIM_ISSUED_AT in claims and issued_at is None):
        raise Rejected("validity-period", "bad-dates", "The certificate does not state valid issue and expiry dates.")
    if at > expires_at:
        raise Rejected("validity-period", "expired", f"This certificate expired on {expires_at:%Y-%m-%d}.")
    if at < signer.not_before:
        raise Rejected(
            "validity-period", "signer-not-yet-valid", f"The certificate's signing key is valid only from {signer.not_before:%Y-%m-%d}."
        )
    if at > signer.not_after:
        raise Rejected("validity-period", "signer-expired", f"The certificate's signing key expired on {signer.not_after:%Y-%m-%d}.")
    if issued_at is not None and issued_at < signer.not_before:
        raise Rejected("validity-period", "signed-before-signer", "The certificate was issued before its signing key was valid.")
    return expires_at


def _timestamp(value: Any) -> datetime | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        return datetime.fromtimestamp(value, tz=timezone.utc)
    except (OverflowError, OSError, ValueError):
        return None
