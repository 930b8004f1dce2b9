"""Signed remote commands: `kiosk/<gate>/cmd/<action>`, run only when an operator key the gate trusts signed them.

A command is a COSE_Sign1 (Ed25519, the helpers the kiosk's passes use) over CBOR
{"gate": str, "action": str, "args": map, "issued_at": epoch s, "nonce": 16 bytes}. Operator keys
are PEM Ed25519 public keys in their own directory (`commands.operator_keys_dir`), apart from the
pass issuers: a key that signs passes cannot command a gate. A command is refused when it is not
a COSE_Sign1 (`unsigned`), signed by no operator key (`unknown-signer`), its signature fails
(`bad-signature`), it names another gate or an action other than its topic's (`wrong-gate`,
`wrong-topic`), it is larger than `MAX_COMMAND_BYTES` (`too-large`: a trust update rides in one, a
national signer list is a few MB), it is older or newer than `commands.max_age_s` (`stale`), its nonce was seen
before (`replayed`), or the action is unknown or not enabled here. Refusals are values.
"""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cbor2
from cryptography.hazmat.primitives.asymmetric import ed25519

from kiosk.credentials.cose import check_signature, loads_cbor, parse_sign1, sign1
from kiosk.credentials.key_roles import OPERATOR, ed25519_public_key, key_role
from kiosk.credentials.signers import ed25519_kid
from kiosk.credentials.verdict import Rejected
from kiosk.errors import ConfigError

ACTIONS = ("unlock-once", "lock-down", "lift-lock-down", "evacuate", "end-evacuation", "reload-trust", "revoke")
NONCE_BYTES = 16
MAX_COMMAND_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class Command:
    gate: str
    action: str
    issued_at: float
    nonce: str  # hex
    args: dict[str, Any] = field(default_factory=dict)
    signer: str = ""  # hex key id of the operator key that signed it


@dataclass(frozen=True)
class CommandVerdict:
    """Whether to run a command; `reason` is a stable code, `command` what could be read of it."""

    ok: bool
    reason: str
    command: Command | None = None


def command_topic(gate_id: str, action: str) -> str:
    return f"kiosk/{gate_id}/cmd/{action}"


def sign_command(gate: str, action: str, key: ed25519.Ed25519PrivateKey, issued_at: float, args: dict[str, Any] | None = None) -> bytes:
    """A signed command for `gate`, with a fresh random nonce."""
    if action not in ACTIONS:
        raise ValueError(f"action {action!r}: expected one of {', '.join(ACTIONS)}")
    payload = {"gate": gate, "action": action, "args": args or {}, "issued_at": issued_at, "nonce": secrets.token_bytes(NONCE_BYTES)}
    return sign1(cbor2.dumps(payload), key, ed25519_kid(key.public_key()))


def load_operator_keys(directory: Path) -> dict[bytes, ed25519.Ed25519PublicKey]:
    """{key id: key} of every `*.pem` in `directory`; an unreadable or non-Ed25519 file is a ConfigError naming it."""
    if not directory.is_dir():
        raise ConfigError([f"commands.operator_keys_dir = '{directory}': not a directory (expected a folder of operator public keys, *.pem)"])
    keys = {}
    for path in sorted(directory.glob("*.pem")):
        try:
            pem = path.read_bytes()
            key = ed25519_public_key(pem)
        except (OSError, ValueError) as err:
            raise ConfigError([f"operator key '{path}': cannot load it ({err}; expected a PEM Ed25519 public key)"]) from err
        if key_role(pem) not in (None, OPERATOR):
            raise ConfigError([f"operator key '{path}': marked kiosk-key-role: {key_role(pem)} (expected an operator key from 'kiosk command keygen')"])
        keys[ed25519_kid(key)] = key
    return keys


def verify_command(
    raw: bytes,
    *,
    topic_action: str,
    gate_id: str,
    keys: dict[bytes, ed25519.Ed25519PublicKey],
    now: float,
    max_age_s: float,
) -> CommandVerdict:
    """Check size, signature, addressing and age (not the nonce: the caller claims it, see `NonceStore`)."""
    if len(raw) > MAX_COMMAND_BYTES:
        return CommandVerdict(False, "too-large")
    try:
        message = parse_sign1(raw)
    except Rejected:
        return CommandVerdict(False, "unsigned")
    key = keys.get(message.kid or b"")
    if key is None:
        return CommandVerdict(False, "unknown-signer")
    try:
        check_signature(message, key)
        content = loads_cbor(message.payload, "command")
    except Rejected as rejected:
        return CommandVerdict(False, "bad-signature" if rejected.stage == "signature" else "malformed")
    command = _command(content, (message.kid or b"").hex())
    if command is None:
        return CommandVerdict(False, "malformed")
    if command.gate != gate_id:
        return CommandVerdict(False, "wrong-gate", command)
    if command.action != topic_action or command.action not in ACTIONS:
        return CommandVerdict(False, "wrong-topic" if command.action in ACTIONS else "unknown-action", command)
    if abs(now - command.issued_at) > max_age_s:
        return CommandVerdict(False, "stale", command)
    return CommandVerdict(True, "verified", command)


def _command(content: Any, signer: str) -> Command | None:
    if not isinstance(content, dict):
        return None
    gate, action, args, issued_at, nonce = (content.get(k) for k in ("gate", "action", "args", "issued_at", "nonce"))
    if not (isinstance(gate, str) and isinstance(action, str) and isinstance(args, dict)):
        return None
    if not (isinstance(issued_at, (int, float)) and not isinstance(issued_at, bool) and math.isfinite(issued_at)):
        return None
    if not (isinstance(nonce, bytes) and len(nonce) == NONCE_BYTES):
        return None
    return Command(gate, action, float(issued_at), nonce.hex(), dict(args), signer)
