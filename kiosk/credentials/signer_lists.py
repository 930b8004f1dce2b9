"""Published lists of EU DCC document signers, read and checked entry by entry (`kiosk credential trust import`).

Two formats are documented and read:

- `eu-gateway`: the EU DCC Gateway's trust list (`GET /trustList`, eu-digital-green-certificates/dgc-gateway),
  a JSON array of {kid, timestamp, country, certificateType, thumbprint, signature, rawData}. The gateway
  serves it over mutual TLS to national backends; the list carries no signature of its own, and the
  per-entry `signature` (the gateway trust anchor's CMS over the certificate) is not checked here.
- `de-dsc`: the German verifier backend's DSC list (de.dscg.ubirch.com/trustList/DSC/, specified in
  Digitaler-Impfnachweis/certification-apis, dsc-update): a first line holding a base64 ECDSA P-256
  signature (SHA-256; 64 bytes r||s, DER also read) over the JSON that follows, {"certificates": [entries
  as above]}. It is refused unless that signature verifies with the list key the operator gives.

Every entry is checked on its own and skipped with a reason when it fails: the certificate must parse
as DER, `kid` must be the first 8 bytes of SHA-256 of that DER, `thumbprint` (when present) its whole
SHA-256 in hex, `country` the certificate subject's C, and it must not have expired at the import
time. Only `certificateType` "DSC" (document signers) is imported; CSCA, UPLOAD and AUTHENTICATION
certificates of the gateway are skipped as not document signers, any other type as unknown.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from asn1crypto import x509 as asn1_x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from kiosk.credentials.signers import document_signer_from_der
from kiosk.errors import KioskError

FORMATS = ("eu-gateway", "de-dsc")
GATEWAY_OTHER_TYPES = frozenset({"CSCA", "UPLOAD", "AUTHENTICATION"})


class SignerListError(KioskError, ValueError):
    """The list as a whole is refused: unreadable, or its signature missing or wrong."""


@dataclass(frozen=True)
class ImportedSigner:
    kid: bytes
    country: str
    der: bytes
    not_after: datetime

    @property
    def file_name(self) -> str:
        return f"{self.country}-{self.kid.hex()}.der"


@dataclass(frozen=True)
class Skipped:
    index: int  # position in the list, from 0
    kid: str  # as the entry gives it (cut short), "" when it has none
    reason: str  # a stable code: expired, kid-mismatch, country-mismatch, ...
    detail: str


@dataclass(frozen=True)
class SignerList:
    signers: tuple[ImportedSigner, ...]
    skipped: tuple[Skipped, ...]
    signature: str  # "verified", "not-checked" (the operator said so) or "none-in-format" (eu-gateway)


def read_signer_list(data: bytes, list_format: str, at: datetime, list_key: ec.EllipticCurvePublicKey | None) -> SignerList:
    """Read `data` in `list_format`, checking each entry at time `at` (aware).

    For `de-dsc`, `list_key` None means the operator chose not to check the list's signature
    (`--unverified`); otherwise the list is refused unless its signature verifies with it.
    Raises SignerListError when the list as a whole cannot be used.
    """
    if list_format == "eu-gateway":
        entries, signature = _json(data, "the EU gateway trust list"), "none-in-format"
        if not isinstance(entries, list):
            raise SignerListError("the EU gateway trust list: expected a JSON array of entries")
    elif list_format == "de-dsc":
        content, signature = _de_dsc_content(data, list_key)
        document = _json(content, "the DSC list")
        entries = document.get("certificates") if isinstance(document, dict) else None
        if not isinstance(entries, list):
            raise SignerListError('the DSC list: expected a JSON object with a "certificates" array after the signature line')
    else:
        raise SignerListError(f"list format {list_format[:40]!r}: expected one of {', '.join(FORMATS)}")
    signers: list[ImportedSigner] = []
    skipped: list[Skipped] = []
    seen: set[bytes] = set()
    for index, entry in enumerate(entries):
        checked = _entry(index, entry, at)
        if isinstance(checked, ImportedSigner) and checked.der in seen:
            checked = Skipped(index, checked.kid.hex(), "duplicate", "the same certificate appears earlier in the list")
        if isinstance(checked, ImportedSigner):
            seen.add(checked.der)
            signers.append(checked)
        else:
            skipped.append(checked)
    return SignerList(tuple(signers), tuple(skipped), signature)


def _json(data: bytes, what: str) -> Any:
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as err:
        raise SignerListError(f"{what} is not JSON ({err.__class__.__name__}: {str(err)[:80]})") from err


def _de_dsc_content(data: bytes, list_key: ec.EllipticCurvePublicKey | None) -> tuple[bytes, str]:
    """The JSON part of a DSC list, after checking the signature line before it."""
    first, newline, rest = data.partition(b"\n")
    if not newline or first.strip().startswith(b"{"):
        if list_key is not None:
            raise SignerListError("the DSC list has no signature line (expected a base64 signature on the first line, then the JSON)")
        return data.strip(), "not-checked"
    content = rest.strip()
    if list_key is None:
        return content, "not-checked"
    try:
        raw = base64.b64decode(first.strip(), validate=True)
    except (binascii.Error, ValueError) as err:
        raise SignerListError("the DSC list's first line is not a base64 signature") from err
    if len(raw) == 64:
        raw = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    try:
        list_key.verify(raw, content, ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, ValueError) as err:
        raise SignerListError("the DSC list's signature does not verify with the list key: altered, or signed by someone else") from err
    return content, "verified"


def _entry(index: int, entry: object, at: datetime) -> ImportedSigner | Skipped:
    if not isinstance(entry, dict):
        return Skipped(index, "", "malformed", "the entry is not a JSON object")
    given_kid = entry.get("kid") if isinstance(entry.get("kid"), str) else ""
    shown_kid = given_kid[:24]

    def skip(reason: str, detail: str) -> Skipped:
        return Skipped(index, shown_kid, reason, detail)

    kind = entry.get("certificateType")
    if kind != "DSC":
        if kind in GATEWAY_OTHER_TYPES:
            return skip("not-a-document-signer", f"certificateType {kind}: not a document signer")
        return skip("unknown-certificate-type", f"certificateType {str(kind)[:20]!r}: expected DSC")
    try:
        der = base64.b64decode(str(entry.get("rawData", "")), validate=True)
        signer = document_signer_from_der(der)
        subject = asn1_x509.Certificate.load(der)["tbs_certificate"]["subject"].native
    except (binascii.Error, ValueError, TypeError, KeyError) as err:
        return skip("not-a-certificate", f"rawData is not a readable DER certificate ({str(err)[:80]})")
    digest = hashlib.sha256(der).digest()
    try:
        kid = base64.b64decode(given_kid, validate=True)
    except (binascii.Error, ValueError):
        kid = b""
    if kid != digest[:8]:
        return skip("kid-mismatch", f"kid {shown_kid!r} is not the first 8 bytes of the certificate's SHA-256 ({base64.b64encode(digest[:8]).decode()})")
    thumbprint = entry.get("thumbprint")
    if thumbprint is not None and (not isinstance(thumbprint, str) or thumbprint.lower() != digest.hex()):
        return skip("thumbprint-mismatch", "thumbprint is not the certificate's SHA-256")
    country = subject.get("country_name") if isinstance(subject, dict) else None
    if not isinstance(country, str) or len(country) != 2:
        return skip("no-country", "the certificate's subject has no two-letter country (C)")
    if entry.get("country") != country:
        return skip("country-mismatch", f"country {str(entry.get('country'))[:8]!r} but the certificate's subject says {country}")
    if signer.not_after < at:
        return skip("expired", f"expired on {signer.not_after:%Y-%m-%d}")
    return ImportedSigner(signer.kid, country.upper(), der, signer.not_after)
