"""Issuer keys as the verifiers use them: EU DCC document signers (X.509) and SMART Health Card JWKs."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from kiosk.credentials.cose import PublicKey
from kiosk.credentials.encoding import decode_base64url, encode_base64url
from kiosk.credentials.verdict import Rejected


# DCC certificate types and the extended-key-usage OIDs that allow a document signer to sign them
# (eHealth Network trust framework; both the registered arc and the older "1.3.6.1.4.1.0.1847" one).
KEY_USAGE_OIDS = {
    "t": frozenset({"1.3.6.1.4.1.1847.2021.1.1", "1.3.6.1.4.1.0.1847.2021.1.1"}),
    "v": frozenset({"1.3.6.1.4.1.1847.2021.1.2", "1.3.6.1.4.1.0.1847.2021.1.2"}),
    "r": frozenset({"1.3.6.1.4.1.1847.2021.1.3", "1.3.6.1.4.1.0.1847.2021.1.3"}),
}


@dataclass(frozen=True)
class DocumentSigner:
    """A DCC document signer certificate. `extended_key_usages` is empty when it has no such extension."""

    kid: bytes
    public_key: PublicKey
    not_before: datetime
    not_after: datetime
    extended_key_usages: frozenset[str]

    def may_sign(self, certificate_type: str) -> bool:
        """A signer with extended key usages may sign only the types they name; one without may sign any."""
        if not self.extended_key_usages:
            return True
        return bool(self.extended_key_usages & KEY_USAGE_OIDS[certificate_type])


def document_signer_from_der(der: bytes) -> DocumentSigner:
    """Read a DER X.509 document signer; raise ValueError when it is not a certificate with an EC or RSA key.

    Some national signer certificates break strict DER (a negative serial number, an empty EKU
    sequence, a DEFAULT value written out), which `cryptography` refuses. Those parts are then read
    with asn1crypto's lenient parser, as the EU reference tests (with laxer parsers) read them.
    """
    try:
        certificate = x509.load_der_x509_certificate(der)
    except ValueError:
        return _lenient_document_signer(der)
    try:
        extension = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
        usages = frozenset(oid.dotted_string for oid in extension.value)
    except x509.ExtensionNotFound:
        usages = frozenset()
    except ValueError:
        usages = _lenient_document_signer(der).extended_key_usages
    return _document_signer(der, certificate.public_key(), certificate.not_valid_before_utc, certificate.not_valid_after_utc, usages)


def _lenient_document_signer(der: bytes) -> DocumentSigner:
    try:
        certificate = asn1_x509.Certificate.load(der)
        validity = certificate["tbs_certificate"]["validity"]
        usages = certificate.extended_key_usage_value
        return _document_signer(
            der,
            serialization.load_der_public_key(certificate.public_key.dump()),
            validity["not_before"].native,
            validity["not_after"].native,
            frozenset(oid.dotted for oid in usages) if usages else frozenset(),
        )
    except (ValueError, TypeError, KeyError) as err:
        raise ValueError(f"not a readable X.509 certificate ({err})") from err


def _document_signer(der: bytes, key: object, not_before: datetime, not_after: datetime, usages: frozenset[str]) -> DocumentSigner:
    if not isinstance(key, (ec.EllipticCurvePublicKey, rsa.RSAPublicKey)):
        raise ValueError(f"unsupported signer key type {type(key).__name__} (expected EC P-256 or RSA)")
    return DocumentSigner(hashlib.sha256(der).digest()[:8], key, not_before, not_after, usages)


@dataclass(frozen=True)
class IssuerKey:
    """One SMART Health Card issuer key from its JWKS; `crl_version` > 0 when it publishes a revocation list."""

    kid: str
    public_key: ec.EllipticCurvePublicKey
    crl_version: int


def issuer_key_from_jwk(jwk: dict) -> IssuerKey:
    """An ES256 key from a JWK; raise ValueError naming what is wrong with it."""
    if jwk.get("kty") != "EC" or jwk.get("crv") != "P-256":
        raise ValueError(f"key {jwk.get('kid')!r}: kty {jwk.get('kty')!r} crv {jwk.get('crv')!r} (expected EC P-256)")
    if jwk.get("alg", "ES256") != "ES256" or jwk.get("use", "sig") != "sig":
        raise ValueError(f"key {jwk.get('kid')!r}: expected alg ES256 and use sig")
    x, y = (_coordinate(jwk, name) for name in ("x", "y"))
    public_key = ec.EllipticCurvePublicNumbers(x, y, ec.SECP256R1()).public_key()
    kid = jwk.get("kid")
    if kid != jwk_thumbprint(jwk):
        raise ValueError(f"key {kid!r}: kid is not the key's RFC 7638 thumbprint")
    crl_version = jwk.get("crlVersion", 0)
    if not isinstance(crl_version, int) or isinstance(crl_version, bool) or crl_version < 0:
        raise ValueError(f"key {kid!r}: crlVersion {crl_version!r} (expected a non-negative integer)")
    return IssuerKey(kid=kid, public_key=public_key, crl_version=crl_version)


def _coordinate(jwk: dict, name: str) -> int:
    value = jwk.get(name)
    try:
        raw = decode_base64url(value, name) if isinstance(value, str) else b""
    except Rejected:
        raw = b""
    if len(raw) != 32:
        raise ValueError(f"key {jwk.get('kid')!r}: {name} is not a 32-byte base64url coordinate")
    return int.from_bytes(raw, "big")


def jwk_thumbprint(jwk: dict) -> str:
    """RFC 7638 SHA-256 thumbprint of an EC JWK, base64url."""
    canonical = json.dumps({"crv": jwk["crv"], "kty": jwk["kty"], "x": jwk["x"], "y": jwk["y"]}, separators=(",", ":"))
    return encode_base64url(hashlib.sha256(canonical.encode()).digest())


def ed25519_kid(key: ed25519.Ed25519PublicKey) -> bytes:
    """Key id of a kiosk pass issuer key: the first 8 bytes of SHA-256 of the raw public key."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).digest()[:8]
