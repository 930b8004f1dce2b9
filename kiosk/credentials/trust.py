"""The trust store: issuer keys per format and revocation lists, read from one directory.

Layout (every part optional):

    dcc/*.pem | *.crt | *.der         EU DCC document signer certificates
    shc/<name>/iss.txt                a SMART Health Card issuer's `iss` URL, and beside it a snapshot of
    shc/<name>/.well-known/jwks.json  its published keys and
    shc/<name>/.well-known/crl/*.json its revocation lists (one per key with `crlVersion`)
    kiosk/*.pem                       Ed25519 public keys that sign the kiosk's own passes (issuer keys;
                                      a key marked `kiosk-key-role: device` is refused here)
    revoked.json                      {"sha256": [hex, ...]}: SHA-256 of revoked credential identifiers
                                      (a DCC's UVCI `ci`, a kiosk pass's id)

When the directory holds `current` (a link kept by `kiosk.credentials.updates`), that generation is
read instead, and if it has gone bad on disk, the newest older generation that still loads.
Revocations added by signed commands (`revoked-by-command.json` in the root, see
`kiosk.credentials.command_revocations`) are added to whichever generation is read.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import ssl
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import ed25519

from kiosk.credentials.command_revocations import REVOKED_BY_COMMAND, read_revocations
from kiosk.credentials.key_roles import ed25519_public_key, key_role
from kiosk.credentials.signers import (
    DocumentSigner,
    IssuerKey,
    document_signer_from_der,
    ed25519_kid,
    issuer_key_from_jwk,
)
from kiosk.errors import KioskError

logger = logging.getLogger(__name__)


class TrustStoreError(KioskError, ValueError):
    """A trust-store file is unreadable or not what its place in the layout expects."""


@dataclass(frozen=True)
class ShcIssuer:
    """A SMART Health Card issuer: its keys by kid and, per kid, revoked rids with their optional cut-off time."""

    iss: str
    keys: dict[str, IssuerKey]
    revoked_rids: dict[str, dict[str, int | None]] = field(default_factory=dict)


@dataclass(frozen=True)
class TrustStore:
    """Who the gate trusts: DCC signers by kid, SHC issuers by `iss`, pass issuer keys by kid, revoked ids."""

    dcc_signers: dict[bytes, tuple[DocumentSigner, ...]] = field(default_factory=dict)
    shc_issuers: dict[str, ShcIssuer] = field(default_factory=dict)
    pass_keys: dict[bytes, ed25519.Ed25519PublicKey] = field(default_factory=dict)
    revoked_sha256: frozenset[str] = frozenset()

    @classmethod
    def from_certificates(cls, ders: Iterable[bytes]) -> TrustStore:
        """A store holding only DCC document signers (raises ValueError on a certificate that does not parse)."""
        signers: dict[bytes, tuple[DocumentSigner, ...]] = {}
        for der in ders:
            signer = document_signer_from_der(der)
            signers[signer.kid] = signers.get(signer.kid, ()) + (signer,)
        return cls(dcc_signers=signers)

    @classmethod
    def load(cls, root: str | Path) -> TrustStore:
        """Read a trust directory (its current generation when it has one); raise TrustStoreError naming the bad file."""
        root = Path(root)
        store = cls._load_generation(root)
        try:
            by_command = read_revocations(root / REVOKED_BY_COMMAND)
        except ValueError as err:
            raise TrustStoreError(str(err)) from err
        return replace(store, revoked_sha256=store.revoked_sha256 | by_command) if by_command else store

    @classmethod
    def _load_generation(cls, root: Path) -> TrustStore:
        if not os.path.lexists(root / "current"):
            return cls._load_directory(root)
        # A `current` that leads nowhere falls back to the generations, never to the files the root was installed with.
        try:
            current = (root / "current").resolve()
        except RuntimeError:  # a link that leads back to itself: like one that leads nowhere
            current = root / "current"
        generations = (p for p in (root / "generations").glob("[0-9]*") if p.name.isdigit() and p != current)
        older = sorted(generations, key=lambda p: int(p.name), reverse=True)
        try:
            return cls._load_directory(current)
        except TrustStoreError as first_error:
            for generation in older:
                try:
                    store = cls._load_directory(generation)
                except TrustStoreError:
                    continue
                logger.error("trust generation %s is unreadable (%s); using last good %s", current.name, first_error, generation.name)
                return store
            raise

    @classmethod
    def _load_directory(cls, root: Path) -> TrustStore:
        if not root.is_dir():
            raise TrustStoreError(f"trust directory '{root}' does not exist (expected a directory of issuer keys)")
        signers: dict[bytes, tuple[DocumentSigner, ...]] = {}
        for path in sorted(p for p in (root / "dcc").glob("*") if p.suffix in (".pem", ".crt", ".der")):
            try:
                signer = document_signer_from_der(_certificate_der(path))
            except ValueError as err:
                raise TrustStoreError(f"trust file '{path}': {err}") from err
            signers[signer.kid] = signers.get(signer.kid, ()) + (signer,)
        issuers = {}
        for directory in sorted(p for p in (root / "shc").glob("*") if p.is_dir()):
            issuer = _shc_issuer(directory)
            issuers[issuer.iss] = issuer
        pass_keys = {}
        for path in sorted((root / "kiosk").glob("*.pem")):
            key = _issuer_key(path)
            pass_keys[ed25519_kid(key)] = key
        return cls(signers, issuers, pass_keys, _revoked(root / "revoked.json"))

    def is_revoked(self, identifier: str) -> bool:
        return hashlib.sha256(identifier.encode("utf-8")).hexdigest() in self.revoked_sha256


def _read_json(path: Path) -> object:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise TrustStoreError(f"trust file '{path}': {err} (expected readable JSON)") from err


def _certificate_der(path: Path) -> bytes:
    """The certificate's DER bytes as issued (its kid is their hash), from a .der file or a PEM one."""
    try:
        data = path.read_bytes()
    except OSError as err:  # a folder named like a certificate, say
        raise ValueError(f"unreadable ({err.strerror or err})") from err
    if path.suffix == ".der":
        return data
    try:
        return ssl.PEM_cert_to_DER_cert(data.decode("ascii"))
    except (UnicodeDecodeError, ValueError) as err:
        raise ValueError("not a PEM certificate (expected -----BEGIN CERTIFICATE----- ...)") from err


def _shc_issuer(directory: Path) -> ShcIssuer:
    try:
        iss = (directory / "iss.txt").read_text(encoding="utf-8").strip()
    except OSError as err:
        raise TrustStoreError(f"trust directory '{directory}': no iss.txt (expected the issuer's iss URL)") from err
    jwks_path = directory / ".well-known" / "jwks.json"
    jwks = _read_json(jwks_path)
    if not isinstance(jwks, dict) or not isinstance(jwks.get("keys"), list):
        raise TrustStoreError(f"trust file '{jwks_path}': expected a JWKS object with a 'keys' list")
    keys = {}
    for jwk in jwks["keys"]:
        try:
            key = issuer_key_from_jwk(jwk if isinstance(jwk, dict) else {})
        except (ValueError, KeyError) as err:
            logger.warning("trust file %s: skipping key: %s", jwks_path, err)
            continue
        keys[key.kid] = key
    revoked = {kid: _crl(directory / ".well-known" / "crl" / f"{kid}.json", kid) for kid, key in keys.items() if key.crl_version}
    return ShcIssuer(iss=iss, keys=keys, revoked_rids=revoked)


def _crl(path: Path, kid: str) -> dict[str, int | None]:
    """rid -> cut-off (cards with nbf before it are revoked) or None (all cards with that rid)."""
    if not path.is_file():
        raise TrustStoreError(f"trust file '{path}' is missing (key {kid} announces a revocation list)")
    crl = _read_json(path)
    if not isinstance(crl, dict) or crl.get("method") != "rid" or not isinstance(crl.get("rids"), list):
        raise TrustStoreError(f"trust file '{path}': expected a revocation list with method 'rid' and a 'rids' list")
    revoked: dict[str, int | None] = {}
    for entry in crl["rids"]:
        rid, _, cutoff = str(entry).partition(".")
        if cutoff and not cutoff.isdigit():
            raise TrustStoreError(f"trust file '{path}': rid entry {entry!r} (expected 'rid' or 'rid.<epoch seconds>')")
        revoked[rid] = int(cutoff) if cutoff else None
    return revoked


def _issuer_key(path: Path) -> ed25519.Ed25519PublicKey:
    try:
        pem = path.read_bytes()
    except OSError as err:
        raise TrustStoreError(f"trust file '{path}': unreadable ({err.strerror or err}; expected a PEM Ed25519 public key)") from err
    role = key_role(pem)
    if role == "device":
        raise TrustStoreError(
            f"trust file '{path}': a holder-device key (kiosk-key-role: device), not a pass issuer key; it would let that"
            " phone sign passes: remove it (a device key goes only into a pass, with 'kiosk pass issue --device-key')"
        )
    if role not in (None, "issuer"):
        raise TrustStoreError(f"trust file '{path}': key role {role!r} (expected 'issuer' in the kiosk/ folder)")
    try:
        return ed25519_public_key(pem)
    except ValueError as err:
        raise TrustStoreError(f"trust file '{path}': {err} (expected a PEM Ed25519 public key)") from err


def _revoked(path: Path) -> frozenset[str]:
    if not path.is_file():
        return frozenset()
    data = _read_json(path)
    hashes = data.get("sha256") if isinstance(data, dict) else None
    if not isinstance(hashes, list) or not all(isinstance(h, str) and len(h) == 64 for h in hashes):
        raise TrustStoreError(f"trust file '{path}': expected {{\"sha256\": [64-hex-digit strings]}}")
    return frozenset(h.lower() for h in hashes)
