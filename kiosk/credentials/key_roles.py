"""Which job an Ed25519 key of the kiosk's passes does: `issuer` (signs passes) or `device` (a holder's phone).

`kiosk pass keygen --role ROLE` writes the role as an RFC 7468 explanatory line before the PEM block
(`kiosk-key-role: device`), in both the private and the public key file. PEM readers skip such
lines, so the files stay ordinary PEM keys. The trust store refuses a `device` key among its issuer
keys: a phone's key there would let that phone sign passes. Keys written before roles existed carry
no line; they cannot be told apart and are taken for what their place says.
"""

from __future__ import annotations

ROLES = ("issuer", "device")  # the roles of pass keys
OPERATOR = "operator"  # signs remote commands to gates (`kiosk command keygen`); never a pass key
_MARKER = "kiosk-key-role:"


def key_role(pem: bytes) -> str | None:
    """The role written before the PEM block, or None when there is none (an unmarked key)."""
    for line in pem.split(b"-----BEGIN", 1)[0].decode("ascii", "replace").splitlines():
        if line.strip().lower().startswith(_MARKER):
            return line.strip()[len(_MARKER) :].strip().lower()
    return None


def with_role(pem: bytes, role: str) -> bytes:
    """`pem` with its role line in front."""
    if role not in (*ROLES, OPERATOR):
        raise ValueError(f"key role {role!r}: expected one of {', '.join((*ROLES, OPERATOR))}")
    return f"{_MARKER} {role}\n".encode("ascii") + pem
