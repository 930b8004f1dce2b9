"""Which job an Ed25519 key of the kiosk's passes does: `issuer` (signs passes) or `device` (a holder's phone).

`kiosk pass keygen --role ROLE` writes the role as an RFC 7468 explanatory line before the PEM block
(`kiosk-key-role: device`), in both the private and the public key file. PEM readers skip such
lines, so the files stay ordinary PEM keys. The trust store refuses a `device` key among its issuer
keys: a phone's key there would let that phone sign passes. Keys written before roles existed carry
no line; they cannot be told apart and are taken for what their place says.
"""

from __future__ import annotations

import os
from pathlib import Path

from typing import TYPE_CHECKING

from kiosk.errors import UsageError

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric import ed25519

ROLES = ("issuer", "device")  # the roles of pass keys
OPERATOR = "operator"  # signs remote commands to gates (`kiosk command keygen`); never a pass key
_MARKER = "kiosk-key-role:"


def key_role(pem: bytes) -> str | None:
    """The role written before the PEM block, or None when there is none (an unmarked key)."""
    for line in pem.split(b"-----BEGIN", 1)[0].decode("ascii", "replace").splitlines():
        if line.strip().lower().startswith(_MARKER):
            return line.strip()[len(_MARKER) :].strip().lower()
    return None


def refuse_other_role(pem: bytes, source: str, role: str) -> None:
    """UsageError when the key's role line names another role than `role` (unmarked keys pass); `source` names the key."""
    found = key_role(pem)
    if found is not None and found != role:
        raise UsageError(f"key {source}: {_a(found)} key (expected {_a(role)} key from 'kiosk pass keygen --role {role}')")


def ed25519_public_key(pem: bytes) -> ed25519.Ed25519PublicKey:
    """The Ed25519 public key in `pem`; ValueError saying what was found instead (callers name the file and the job)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519

    key = serialization.load_pem_public_key(pem)
    if not isinstance(key, ed25519.Ed25519PublicKey):
        raise ValueError(f"a {type(key).__name__}, not an Ed25519 public key")
    return key


def ed25519_private_key(pem: bytes) -> ed25519.Ed25519PrivateKey:
    """The unencrypted Ed25519 private key in `pem`; ValueError saying what was found instead (callers name the file)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519

    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except TypeError as err:  # an encrypted key: no password is ever asked for
        raise ValueError(str(err)) from err
    if not isinstance(key, ed25519.Ed25519PrivateKey):
        raise ValueError(f"a {type(key).__name__}, not an Ed25519 private key")
    return key


def public_key_of_role(pem: bytes, source: str, role: str) -> ed25519.Ed25519PublicKey:
    """The Ed25519 public key in `pem`, refused (UsageError naming `source`) when it is of another role or not such a key."""
    refuse_other_role(pem, source, role)
    try:
        return ed25519_public_key(pem)
    except ValueError as err:
        raise UsageError(f"key {source}: {err} (expected a PEM Ed25519 public key from 'kiosk pass keygen')") from err


def _a(role: str) -> str:
    return f"an {role}" if role[:1] in "aeiou" else f"a {role}"


def with_role(pem: bytes, role: str) -> bytes:
    """`pem` with its role line in front."""
    if role not in (*ROLES, OPERATOR):
        raise ValueError(f"key role {role!r}: expected one of {', '.join((*ROLES, OPERATOR))}")
    return f"{_MARKER} {role}\n".encode("ascii") + pem


def write_key_pair(name: Path, role: str) -> tuple[Path, Path]:
    """A new Ed25519 key pair marked with `role`: NAME.key.pem (private, mode 0600) and NAME.pub.pem.

    Raises UsageError if the private key file exists: keys are never overwritten.
    """
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519

    private_path, public_path = Path(f"{name}.key.pem"), Path(f"{name}.pub.pem")
    if private_path.exists():
        raise UsageError(f"'{private_path}' already exists (expected a new key name; keys are never overwritten)")
    key = ed25519.Ed25519PrivateKey.generate()
    private_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    descriptor = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(with_role(private_pem, role))
    public_pem = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    public_path.write_bytes(with_role(public_pem, role))
    return private_path, public_path
