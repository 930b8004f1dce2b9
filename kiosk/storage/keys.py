"""Key files, keyed pseudonyms, and authenticated encryption of embeddings at rest."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from kiosk.storage.errors import StorageError

KEY_BYTES = 32
_NONCE_BYTES = 12


def read_key(path: Path) -> bytes:
    """The 32 bytes in key file `path`."""
    try:
        key = path.read_bytes()
    except FileNotFoundError as err:
        raise StorageError(f"key file {str(path)!r} does not exist (create one with 'kiosk storage keygen {path}')") from err
    except OSError as err:
        raise StorageError(f"key file {str(path)!r}: cannot read ({err.strerror or err})") from err
    if len(key) != KEY_BYTES:
        raise StorageError(f"key file {str(path)!r} holds {len(key)} bytes (expected {KEY_BYTES} random bytes)")
    return key


def create_key(path: Path) -> bytes:
    """Write a new random key to `path`, readable by its owner only; refuses to overwrite one."""
    key = secrets.token_bytes(KEY_BYTES)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError as err:
        raise StorageError(f"key file {str(path)!r} already exists (expected a new path; keys are never overwritten)") from err
    with os.fdopen(descriptor, "wb") as file:
        file.write(key)
        file.flush()
        os.fsync(file.fileno())
    return key


def read_or_create_key(path: Path) -> bytes:
    """The device key at `path`, created on first use (two processes racing both end up reading one key)."""
    if not path.exists():
        try:
            return create_key(path)
        except StorageError:
            if not path.exists():
                raise
    return read_key(path)


def pseudonym(device_key: bytes, reference: str) -> str:
    """A keyed, one-way stand-in for `reference`: the same on this device, unlinkable without the key."""
    return hmac.new(device_key, b"subject\0" + reference.encode("utf-8"), hashlib.sha256).hexdigest()


class TemplateCipher:
    """AES-256-GCM for embeddings; the associated data binds each ciphertext to its row's owner."""

    def __init__(self, key: bytes) -> None:
        if len(key) != KEY_BYTES:
            raise ValueError(f"embedding key of {len(key)} bytes (expected {KEY_BYTES})")
        self._aead = AESGCM(key)

    def encrypt(self, plaintext: bytes, associated: bytes) -> tuple[bytes, bytes]:
        """(nonce, ciphertext with tag); a fresh random nonce every call."""
        nonce = secrets.token_bytes(_NONCE_BYTES)
        return nonce, self._aead.encrypt(nonce, plaintext, associated)

    def decrypt(self, nonce: bytes, ciphertext: bytes, associated: bytes) -> bytes:
        try:
            return self._aead.decrypt(nonce, ciphertext, associated)
        except InvalidTag as err:
            raise StorageError(
                "an encrypted template does not authenticate (expected the key it was written with, and an untouched row)"
            ) from err
