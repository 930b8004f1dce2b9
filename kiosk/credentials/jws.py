"""Compact JWS (RFC 7515) with ES256 only, as SMART Health Cards use it."""

from __future__ import annotations

import json
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from kiosk.credentials.encoding import decode_base64url
from kiosk.credentials.verdict import Rejected


@dataclass(frozen=True)
class CompactJws:
    header: dict
    payload: bytes
    signature: bytes
    signing_input: bytes


def parse_jws(text: str) -> CompactJws:
    """Split and decode `header.payload.signature`; the header must be a JSON object."""
    parts = text.split(".")
    if len(parts) != 3:
        raise Rejected("structure", "not-jws", "The health card is not a signed token.")
    header_bytes, payload, signature = (decode_base64url(part, name) for part, name in zip(parts, ("header", "payload", "signature")))
    try:
        header = json.loads(header_bytes)
    except (UnicodeDecodeError, ValueError, RecursionError) as err:
        raise Rejected("structure", "bad-jws-header", "The health card's header is not valid JSON.") from err
    if not isinstance(header, dict):
        raise Rejected("structure", "bad-jws-header", "The health card's header is not a JSON object.")
    return CompactJws(header, payload, signature, f"{parts[0]}.{parts[1]}".encode("ascii"))


def check_es256(token: CompactJws, key: ec.EllipticCurvePublicKey) -> None:
    """Raise Rejected unless the header names ES256 and the raw r||s signature verifies with `key`."""
    if token.header.get("alg") != "ES256":
        raise Rejected("signature", "algorithm-not-allowed", f"The signing algorithm {str(token.header.get('alg'))[:20]!r} is not allowed.")
    if len(token.signature) != 64:
        raise Rejected("signature", "bad-signature", "The signature does not match: the card was altered or forged.")
    r, s = int.from_bytes(token.signature[:32], "big"), int.from_bytes(token.signature[32:], "big")
    try:
        key.verify(encode_dss_signature(r, s), token.signing_input, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature as err:
        raise Rejected("signature", "bad-signature", "The signature does not match: the card was altered or forged.") from err
