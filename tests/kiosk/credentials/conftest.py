"""Fixtures for the credential tests: the shared conformance folders and a factory of freshly signed DCCs."""

from __future__ import annotations

import hashlib
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import base45
import cbor2
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.x509.oid import NameOID

from kiosk.credentials import CredentialsConfig, CredentialVerifier, TrustStore
from kiosk.credentials.updates import UPDATE_KEY_FILE

NOW = datetime(2026, 1, 15, 12, 0, tzinfo=timezone.utc)
OID_TEST, OID_VACCINATION, OID_RECOVERY = (f"1.3.6.1.4.1.1847.2021.1.{n}" for n in (1, 2, 3))

VACCINATION = {
    "ver": "1.3.0",
    "nam": {"fn": "Muster", "fnt": "MUSTER", "gn": "Erika", "gnt": "ERIKA"},
    "dob": "1964-08-12",
    "v": [{"tg": "840539006", "vp": "1119349007", "mp": "EU/1/20/1528", "ma": "ORG-100030215", "dn": 2, "sd": 2,
           "dt": "2025-12-01", "co": "AT", "is": "Ministry of Health", "ci": "URN:UVCI:01:AT:10807843F94AEE0EE5093FBC254BD813#B"}],
}


@pytest.fixture(scope="session")
def dcc_dir(shared_dir: Path) -> Path:
    path = shared_dir / "conformance" / "dcc"
    if not path.is_dir():
        pytest.skip(f"DCC conformance folder {path} is absent")
    return path


@pytest.fixture(scope="session")
def shc_dir(shared_dir: Path) -> Path:
    path = shared_dir / "conformance" / "shc"
    if not path.is_dir():
        pytest.skip(f"SHC conformance folder {path} is absent")
    return path


@dataclass
class DccSigner:
    """A freshly made document signer (P-256) that signs DCCs the way issuers do: tests tamper with the parts."""

    key: ec.EllipticCurvePrivateKey
    der: bytes

    @property
    def kid(self) -> bytes:
        return hashlib.sha256(self.der).digest()[:8]

    def trust(self) -> TrustStore:
        return TrustStore.from_certificates([self.der])

    def cose(self, payload: dict = VACCINATION, *, protected: dict | None = None, unprotected: dict | None = None,
             iat: datetime = NOW - timedelta(days=1), exp: datetime = NOW + timedelta(days=30)) -> list:
        """[protected bytes, unprotected, payload bytes, signature] of a signed COSE_Sign1."""
        claims = {1: "AT", 6: int(iat.timestamp()), 4: int(exp.timestamp()), -260: {1: payload}}
        protected_bytes = cbor2.dumps({1: -7, 4: self.kid} if protected is None else protected)
        body = cbor2.dumps(claims)
        to_sign = cbor2.dumps(["Signature1", protected_bytes, b"", body])
        r, s = decode_dss_signature(self.key.sign(to_sign, ec.ECDSA(hashes.SHA256())))
        return [protected_bytes, unprotected or {}, body, r.to_bytes(32, "big") + s.to_bytes(32, "big")]


def hc1(parts: list) -> str:
    """The QR text of COSE_Sign1 parts: tag 18, zlib, base45, HC1: prefix."""
    return "HC1:" + base45.b45encode(zlib.compress(cbor2.dumps(cbor2.CBORTag(18, parts)))).decode()


def make_signer(*, usages: list[str] | None = None, not_before: datetime = NOW - timedelta(days=365),
                not_after: datetime = NOW + timedelta(days=365)) -> DccSigner:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "AT"), x509.NameAttribute(NameOID.COMMON_NAME, "DSC test")])
    builder = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(not_before).not_valid_after(not_after)
    )
    if usages:
        builder = builder.add_extension(x509.ExtendedKeyUsage([x509.ObjectIdentifier(o) for o in usages]), critical=False)
    certificate = builder.sign(key, hashes.SHA256())
    return DccSigner(key, certificate.public_bytes(serialization.Encoding.DER))


@pytest.fixture(scope="session")
def signer() -> DccSigner:
    return make_signer()


def verifier_for(trust: TrustStore, gate_id: str = "main-entrance", **overrides) -> CredentialVerifier:
    return CredentialVerifier(trust, CredentialsConfig(**overrides), gate_id=gate_id)


def pem_of(certificate_der: bytes) -> bytes:
    return x509.load_der_x509_certificate(certificate_der).public_bytes(serialization.Encoding.PEM)


@pytest.fixture
def update_key() -> ed25519.Ed25519PrivateKey:
    return ed25519.Ed25519PrivateKey.generate()


@pytest.fixture
def root(tmp_path: Path, update_key: ed25519.Ed25519PrivateKey) -> Path:
    """A trust root with one DCC signer and the site's update key installed."""
    root = tmp_path / "trust"
    (root / "dcc").mkdir(parents=True)
    (root / "dcc" / "first.pem").write_bytes(pem_of(make_signer().der))
    public = update_key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    (root / UPDATE_KEY_FILE).write_bytes(public)
    return root
