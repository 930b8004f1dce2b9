"""Text and byte encodings of credentials: base45, zlib/DEFLATE with a size limit, SHC numeric, base64url.

Each decoder raises `Rejected` at the stage it belongs to, never a library error.
"""

from __future__ import annotations

import base64
import binascii
import re
import zlib

import base45

from kiosk.credentials.verdict import Rejected

_BASE45_ALPHABET = re.compile(r"[0-9A-Z $%*+\-./:]*")
_BASE64URL_ALPHABET = re.compile(r"[A-Za-z0-9_-]*")
_DIGITS = re.compile(r"[0-9]*")

ZLIB = zlib.MAX_WBITS  # RFC 1950 stream with header (DCC, kiosk pass)
RAW_DEFLATE = -zlib.MAX_WBITS  # RFC 1951, no header (SHC "zip": "DEF")


def decode_base45(text: str) -> bytes:
    """Base45 (RFC 9285) text to bytes."""
    if not _BASE45_ALPHABET.fullmatch(text):
        raise Rejected("encoding", "bad-base45", "The code contains characters that are not allowed in it.")
    try:
        return base45.b45decode(text)
    except (ValueError, TypeError) as err:
        raise Rejected("encoding", "bad-base45", "The code is damaged and cannot be read.") from err


def inflate(data: bytes, limit_bytes: int, wbits: int = ZLIB) -> bytes:
    """Decompress a complete zlib (or raw DEFLATE) stream; refuse streams that inflate past `limit_bytes`."""
    inflater = zlib.decompressobj(wbits)
    try:
        out = inflater.decompress(data, limit_bytes + 1)
    except zlib.error as err:
        raise Rejected("decompression", "bad-compression", "The code's content is not correctly compressed.") from err
    if len(out) > limit_bytes or inflater.unconsumed_tail:
        raise Rejected(
            "decompression", "too-large", f"The code's content is larger than the {limit_bytes} bytes allowed."
        )
    if not inflater.eof:
        raise Rejected("decompression", "truncated", "The code's content is cut short.")
    return out


def decode_shc_numeric(digits: str) -> str:
    """SMART Health Card numeric mode: each pair of digits nn (00-77) is the character chr(nn + 45)."""
    if not _DIGITS.fullmatch(digits) or len(digits) % 2:
        raise Rejected("encoding", "bad-numeric", "The health card code is not an even run of digits.")
    pairs = [int(digits[i : i + 2]) for i in range(0, len(digits), 2)]
    if any(pair > 77 for pair in pairs):
        raise Rejected("encoding", "bad-numeric", "The health card code contains a value out of range.")
    return "".join(chr(pair + 45) for pair in pairs)


def decode_base64url(text: str, what: str) -> bytes:
    """Unpadded base64url (RFC 7515) to bytes; `what` names the part for the message."""
    if not _BASE64URL_ALPHABET.fullmatch(text) or len(text) % 4 == 1:
        raise Rejected("encoding", "bad-base64url", f"The {what} of the health card is not valid base64url.")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as err:
        raise Rejected("encoding", "bad-base64url", f"The {what} of the health card is not valid base64url.") from err


def encode_base64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")
