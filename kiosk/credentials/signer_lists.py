"""Published lists of EU DCC document signers, read and checked entry by entry (`kiosk credential trust import`).

Two formats are documented and read:

- `eu-gateway`: the EU DCC Gateway's trust list (`GET /trustList`, eu-digital-green-certificates/dgc-gateway),
  a JSON array of {kid, timestamp, country, certificateType, thumbprint, signature, rawData}. The list
  carries no signature of its own (the gateway serves it over mutual TLS to national backends); each
  entry's `signature` is a detached CMS (gateway_signatures says by whom). With the gateway's trust
  anchor certificate(s), a DSC is imported only when it chains as the gateway itself checks it: issued
  by a CSCA of its own country whose trust anchor signature verifies, and uploaded (signed) by an
  UPLOAD certificate of that country whose trust anchor signature verifies. Without them the operator
  must say `--unverified`, and DSCs are checked entry by entry only. Not provable from the format:
  that the list is complete and current (an entry can be dropped, and a withdrawn DSC's entry from an
  older list still verifies).
- `de-dsc`: the German verifier backend's DSC list (de.dscg.ubirch.com/trustList/DSC/, specified in
  Digitaler-Impfnachweis/certification-apis, dsc-update): a first line holding a base64 ECDSA P-256
  signature (SHA-256; 64 bytes r||s, DER also read) over the JSON that follows, {"certificates": [entries
  as above]}. It is refused unless that signature verifies with the list key the operator gives.

Every entry is checked on its own and skipped with a reason when it fails: the certificate must parse
as DER, `kid` must be the first 8 bytes of SHA-256 of that DER, `thumbprint` (when present) its whole
SHA-256 in hex, `country` the certificate subject's C, and a DSC must not have expired at the import
time. Only `certificateType` "DSC" (document signers) is imported; CSCA, UPLOAD and AUTHENTICATION
certificates of the gateway are skipped as not document signers (CSCA and UPLOAD ones still anchor the
DSC checks), any other type as unknown. The expiry of CSCA and UPLOAD certificates is not checked: the
gateway does not check it either, and a DSC is valid only within its own dates.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime
from collections.abc import Sequence
from typing import Any

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from kiosk.credentials.gateway_signatures import signature_problem
from kiosk.credentials.signers import document_signer_from_der
from kiosk.errors import KioskError

FORMATS = ("eu-gateway", "de-dsc")
GATEWAY_OTHER_TYPES = frozenset({"CSCA", "UPLOAD", "AUTHENTICATION"})
TRUST_ANCHOR_SIGNED = frozenset({"CSCA", "UPLOAD"})  # the trusted parties a DSC is checked against
COUNTRY_CODE = re.compile(r"[A-Za-z]{2}")  # ISO 3166-1 alpha-2


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
    signature: str  # "verified" (de-dsc: the list's; eu-gateway: each DSC's chain to the trust anchor) or "not-checked" (--unverified)


def read_signer_list(data: bytes, list_format: str, at: datetime, *, list_key: ec.EllipticCurvePublicKey | None = None,
                     trust_anchors: Sequence[x509.Certificate] = ()) -> SignerList:
    """Read `data` in `list_format`, checking each entry at time `at` (aware).

    For `de-dsc`, `list_key` None means the operator chose not to check the list's signature
    (`--unverified`); otherwise the list is refused unless its signature verifies with it. For
    `eu-gateway`, no `trust_anchors` means the same choice; otherwise each DSC must chain to them
    (see gateway_signatures). Raises SignerListError when the list as a whole cannot be used.
    """
    if list_format == "eu-gateway":
        entries, signature = _json(data, "the EU gateway trust list"), "verified" if trust_anchors else "not-checked"
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
    checked = [_entry(index, entry) for index, entry in enumerate(entries)]
    anchors = _Anchors.verified([item for item in checked if isinstance(item, _Listed)], trust_anchors) if trust_anchors else None
    signers: list[ImportedSigner] = []
    skipped: list[Skipped] = []
    seen: set[bytes] = set()
    for item in checked:
        outcome = item if isinstance(item, Skipped) else _outcome(item, at, anchors)
        if isinstance(outcome, ImportedSigner) and outcome.der in seen:
            outcome = Skipped(item.index, outcome.kid.hex(), "duplicate", "the same certificate appears earlier in the list")
        if isinstance(outcome, ImportedSigner):
            seen.add(outcome.der)
            signers.append(outcome)
        else:
            skipped.append(outcome)
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


@dataclass(frozen=True)
class _Listed:
    """An entry whose certificate passed the checks every entry gets, whatever its type."""

    index: int
    shown_kid: str
    kind: str
    country: str
    der: bytes
    signature: object  # the entry's `signature` as given (gateway_signatures checks it)
    not_after: datetime | None  # DSC only

    def skip(self, reason: str, detail: str) -> Skipped:
        return Skipped(self.index, self.shown_kid, reason, detail)


def _entry(index: int, entry: object) -> _Listed | Skipped:
    if not isinstance(entry, dict):
        return Skipped(index, "", "malformed", "the entry is not a JSON object")
    given_kid = entry.get("kid") if isinstance(entry.get("kid"), str) else ""
    shown_kid = given_kid[:24]

    def skip(reason: str, detail: str) -> Skipped:
        return Skipped(index, shown_kid, reason, detail)

    kind = entry.get("certificateType")
    if kind != "DSC" and kind not in GATEWAY_OTHER_TYPES:
        return skip("unknown-certificate-type", f"certificateType {str(kind)[:20]!r}: expected DSC")
    try:
        der = base64.b64decode(str(entry.get("rawData", "")), validate=True)
        not_after = document_signer_from_der(der).not_after if kind == "DSC" else None
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
    if not isinstance(country, str) or not COUNTRY_CODE.fullmatch(country):  # it names the file: "/t" wrote to /T-<kid>.der
        return skip("no-country", f"the certificate's subject has no two-letter country (C), but {str(country)[:8]!r}")
    if entry.get("country") != country:
        return skip("country-mismatch", f"country {str(entry.get('country'))[:8]!r} but the certificate's subject says {country}")
    return _Listed(index, shown_kid, kind, country.upper(), der, entry.get("signature"), not_after)


def _outcome(item: _Listed, at: datetime, anchors: _Anchors | None) -> ImportedSigner | Skipped:
    if item.kind != "DSC":
        refused = anchors.refused.get(item.index) if anchors is not None else None
        checked = "; its trust anchor signature verifies" if anchors is not None and item.kind in TRUST_ANCHOR_SIGNED else ""
        return refused or item.skip("not-a-document-signer", f"certificateType {item.kind}: not a document signer{checked}")
    if item.not_after is None or item.not_after < at:
        return item.skip("expired", f"expired on {item.not_after:%Y-%m-%d}" if item.not_after else "no expiry date")
    problem = anchors.dsc_problem(item) if anchors is not None else None
    if problem is not None:
        return item.skip(*problem)
    return ImportedSigner(hashlib.sha256(item.der).digest()[:8], item.country, item.der, item.not_after)


@dataclass(frozen=True)
class _Anchors:
    """The list's CSCA and UPLOAD certificates whose trust anchor signature verifies, by country."""

    cscas: dict[str, list[x509.Certificate]]
    uploads: dict[str, list[x509.Certificate]]
    refused: dict[int, Skipped]  # CSCA and UPLOAD entries whose signature does not verify, by index

    @classmethod
    def verified(cls, listed: list[_Listed], trust_anchors: Sequence[x509.Certificate]) -> _Anchors:
        anchors = cls({}, {}, {})
        for item in listed:
            if item.kind not in TRUST_ANCHOR_SIGNED:
                continue
            problem = signature_problem(item.signature, item.der, trust_anchors)
            if problem is not None:
                anchors.refused[item.index] = item.skip("bad-trust-anchor-signature", f"{item.kind}: the trust anchor's signature: {problem}")
                continue
            try:
                certificate = x509.load_der_x509_certificate(item.der)
            except ValueError:
                anchors.refused[item.index] = item.skip("not-strict-der", f"{item.kind}: breaks strict DER, so nothing can be checked against it")
                continue
            (anchors.cscas if item.kind == "CSCA" else anchors.uploads).setdefault(item.country, []).append(certificate)
        return anchors

    def dsc_problem(self, item: _Listed) -> tuple[str, str] | None:
        """(reason, detail) when the DSC does not chain to this list's verified CSCAs and UPLOADs; None when it does."""
        try:
            dsc = x509.load_der_x509_certificate(item.der)
        except ValueError:
            return "not-strict-der", "breaks strict DER, so its issuance by a CSCA cannot be checked"
        own = self.cscas.get(item.country, [])
        if not any(_is_issued_by(dsc, csca) for csca in own):
            others = sorted(c for c, cscas in self.cscas.items() if c != item.country and any(_is_issued_by(dsc, csca) for csca in cscas))
            if others:
                return "csca-of-another-country", f"issued by a CSCA of {others[0]}, not of its own country {item.country}"
            if not own:
                return "no-verified-csca", f"no CSCA of {item.country} in the list has a verifying trust anchor signature"
            return "not-issued-by-csca", f"not issued by any of the {len(own)} verified CSCA(s) of {item.country}"
        uploads = self.uploads.get(item.country, [])
        if not uploads:
            return "no-verified-upload-certificate", f"no UPLOAD certificate of {item.country} in the list has a verifying trust anchor signature"
        problem = signature_problem(item.signature, item.der, uploads)
        if problem is not None:
            return "bad-upload-signature", f"the upload signature by {item.country}'s UPLOAD certificate: {problem}"
        return None


def _is_issued_by(certificate: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        certificate.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
        return False
    return True
