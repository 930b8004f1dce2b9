"""Kiosk passes for the demo: a fresh issuer key, its trust directory, and passes signed (or forged) with it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import base45
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from kiosk.credentials.config import CredentialsConfig
from kiosk.credentials.kiosk_pass import PassClaims, dynamic_code, issue_pass, new_pass_id, raw_public_key


@dataclass(frozen=True)
class RotatingPass:
    """A pass bound to the holder's device key; `code_at` is what the phone shows at a given time."""

    text: str
    device_key: ed25519.Ed25519PrivateKey
    config: CredentialsConfig

    def code_at(self, at: datetime) -> str:
        return dynamic_code(self.text, self.config.pass_prefix, self.device_key, at, self.config.dynamic_window_s, self.config.dynamic_pass_prefix)


class DemoIssuer:
    """Signs passes with a key made for this run; `write_trust` puts its public key where the gate looks."""

    def __init__(self, config: CredentialsConfig, gate_id: str, issued_at: datetime) -> None:
        self._config = config
        self._gate_id = gate_id
        self._key = ed25519.Ed25519PrivateKey.generate()
        self._issued_at = issued_at

    def write_trust(self, trust_dir: Path) -> None:
        folder = trust_dir / "kiosk"
        folder.mkdir(parents=True, exist_ok=True)
        public = self._key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        (folder / "demo-issuer.pem").write_bytes(public)

    def _claims(self, subject: str, device_key: ed25519.Ed25519PrivateKey | None = None) -> PassClaims:
        return PassClaims(
            issuer="demo-site",
            subject=subject,
            pass_id=new_pass_id(),
            issued_at=self._issued_at,
            not_before=self._issued_at,
            expires_at=self._issued_at + timedelta(days=30),
            gates=(self._gate_id,),
            device_key=raw_public_key(device_key.public_key()) if device_key else None,
        )

    def static_pass(self, subject: str) -> str:
        return issue_pass(self._claims(subject), self._key, self._config.pass_prefix)

    def rotating_pass(self, subject: str) -> RotatingPass:
        device_key = ed25519.Ed25519PrivateKey.generate()
        return RotatingPass(issue_pass(self._claims(subject, device_key), self._key, self._config.pass_prefix), device_key, self._config)


def forged(pass_text: str, prefix: str) -> str:
    """The pass with one bit of its signature flipped: what an edited or copied-and-altered pass looks like."""
    signed = bytearray(base45.b45decode(pass_text[len(prefix) :]))
    signed[-1] ^= 0x01
    return prefix + base45.b45encode(bytes(signed)).decode("ascii")
