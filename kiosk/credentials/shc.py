"""SMART Health Cards (`shc:/`): numeric QR text -> compact JWS -> raw DEFLATE -> JSON, ES256 offline.

Issuer keys come from JWKS snapshots in the trust store (never fetched at scan time). The key is
found by the header's kid and the signature checked before the payload is inflated, so altered or
oversized content is never unpacked; the payload's `iss` must then be the key's issuer. A card whose
`vc.rid` is on its key's revocation list is revoked (an entry `rid.T` only for cards with nbf < T).
Chunked cards (`shc:/K/T/...`, deprecated but still issued) are put together by `ShcChunkAssembler`.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone

from kiosk.credentials.encoding import RAW_DEFLATE, decode_shc_numeric, inflate
from kiosk.credentials.jws import check_es256, parse_jws
from kiosk.credentials.signers import IssuerKey
from kiosk.credentials.trust import ShcIssuer, TrustStore
from kiosk.credentials.verdict import Accepted, Rejected

PREFIX = "shc:/"
HEALTH_CARD_TYPE = "https://smarthealth.cards#health-card"
_CHUNK = re.compile(r"([1-9][0-9]{0,2})/([1-9][0-9]{0,2})/([0-9]*)")


def verify_shc(text: str, at: datetime, trust: TrustStore, max_decompressed_bytes: int, clock_skew_s: float) -> Accepted:
    """Verify a one-part `shc:/` text at time `at`; raise Rejected at the first failing stage."""
    if text[: len(PREFIX)].lower() != PREFIX:
        raise Rejected("prefix", "unknown-prefix", "This is not a SMART Health Card.")
    body = text[len(PREFIX) :]
    chunk = _CHUNK.fullmatch(body)
    if chunk:
        raise Rejected(
            "structure", "incomplete-chunks", f"This health card has {chunk.group(2)} parts: scan all of them."
        )
    token = parse_jws(decode_shc_numeric(body))
    if token.header.get("zip") != "DEF":
        raise Rejected("structure", "not-compressed", "The health card's content is not compressed as the standard requires.")
    issuer, key = _issuer_key(trust, token.header.get("kid"))
    check_es256(token, key.public_key)
    payload = _json_object(inflate(token.payload, max_decompressed_bytes, RAW_DEFLATE))
    if payload.get("iss") != issuer.iss:
        raise Rejected("signature", "issuer-mismatch", "The health card names another issuer than the key that signed it.")
    credential = payload.get("vc")
    types = credential.get("type") if isinstance(credential, dict) else None
    if not isinstance(types, list) or HEALTH_CARD_TYPE not in types:
        raise Rejected("structure", "not-health-card", "The signed content is not a SMART Health Card.")
    not_before, expires_at = _check_period(payload, at, clock_skew_s)
    rid = credential.get("rid") if isinstance(credential.get("rid"), str) else None
    if rid is not None and _is_revoked(issuer, key.kid, rid, not_before):
        raise Rejected("revoked", "revoked", "This health card has been revoked by its issuer.")
    until = f" until {expires_at:%Y-%m-%d}" if expires_at else ""
    return Accepted(
        message=f"Valid SMART Health Card{until}.",
        identifier=f"{issuer.iss}#{rid}" if rid else f"{issuer.iss}#{token.signature.hex()}",
        valid_until=expires_at,
    )


def _issuer_key(trust: TrustStore, kid: object) -> tuple[ShcIssuer, IssuerKey]:
    """The trusted issuer and key with this kid (a key thumbprint, so unique across issuers)."""
    for issuer in trust.shc_issuers.values():
        key = issuer.keys.get(kid) if isinstance(kid, str) else None
        if key is not None:
            return issuer, key
    raise Rejected("signature", "unknown-key", "The health card was signed by a key this gate does not trust.")


def _check_period(payload: dict, at: datetime, clock_skew_s: float) -> tuple[datetime, datetime | None]:
    """(nbf, exp or None); raise Rejected unless `at` lies between them (nbf with `clock_skew_s` of grace)."""
    not_before, expires_at = _time_claim(payload, "nbf"), _time_claim(payload, "exp")
    if not_before is None:
        raise Rejected("validity-period", "no-dates", "The health card does not state when it was issued.")
    if not_before.timestamp() > at.timestamp() + clock_skew_s:
        raise Rejected("validity-period", "not-yet-valid", f"This health card is valid only from {not_before:%Y-%m-%d}.")
    if expires_at is not None and at > expires_at:
        raise Rejected("validity-period", "expired", f"This health card expired on {expires_at:%Y-%m-%d}.")
    return not_before, expires_at


def _json_object(data: bytes) -> dict:
    try:
        value = json.loads(data)
    except (UnicodeDecodeError, ValueError, RecursionError) as err:
        raise Rejected("structure", "bad-json", "The health card's content is not valid JSON.") from err
    if not isinstance(value, dict):
        raise Rejected("structure", "bad-json", "The health card's content is not a JSON object.")
    return value


def _time_claim(payload: dict, name: str) -> datetime | None:
    value = payload.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise Rejected("structure", "bad-time", f"The health card's '{name}' time is not a number.")
    try:
        return datetime.fromtimestamp(value, tz=timezone.utc)
    except (OverflowError, OSError, ValueError) as err:
        raise Rejected("structure", "bad-time", f"The health card's '{name}' time is out of range.") from err


def _is_revoked(issuer: ShcIssuer, kid: str, rid: str, not_before: datetime) -> bool:
    revoked = issuer.revoked_rids.get(kid, {})
    if rid not in revoked:
        return False
    cutoff = revoked[rid]
    return cutoff is None or not_before.timestamp() < cutoff


class ShcChunkAssembler:
    """Collects the parts of a chunked SMART Health Card seen across camera frames.

    Feed it every scanned text: `add(text)` returns the text to verify, which is the text itself when
    it is not a chunk, the whole one-part `shc:/...` card once its last part arrives, and None while
    parts are missing. A part of a card with a different part count starts over; repeats are harmless.
    """

    def __init__(self) -> None:
        self._total = 0
        self._parts: dict[int, str] = {}

    def add(self, text: str) -> str | None:
        chunk = _CHUNK.fullmatch(text[len(PREFIX) :]) if text[: len(PREFIX)].lower() == PREFIX else None
        if chunk is None:
            return text
        index, total, digits = int(chunk.group(1)), int(chunk.group(2)), chunk.group(3)
        if index > total:
            return text
        if total != self._total:
            self._total, self._parts = total, {}
        self._parts[index] = digits
        if len(self._parts) < total:
            return None
        whole = PREFIX + "".join(self._parts[i] for i in range(1, total + 1))
        self._total, self._parts = 0, {}
        return whole

    @property
    def missing(self) -> int:
        """How many parts of the card being collected have not been seen yet."""
        return self._total - len(self._parts) if self._total else 0
