"""`CredentialVerifier`: one entry point for every credential format, answering with a `Verification`."""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
from datetime import datetime
from pathlib import Path

from kiosk.credentials import dcc, kiosk_pass, shc
from kiosk.credentials.config import DEFAULT_GATE_ID, CredentialsConfig
from kiosk.credentials.trust import TrustStore
from kiosk.credentials.verdict import Accepted, Rejected, Verification
from kiosk.errors import ConfigError

logger = logging.getLogger(__name__)


class CredentialVerifier:
    """Verifies QR texts offline against a trust store. Bad input of any kind yields a verdict, never an exception.

    It remembers the rotating pass codes it accepted, to refuse them on replay: call `verify` once per
    presentation, not once per camera frame.
    """

    def __init__(self, trust_store: TrustStore, config: CredentialsConfig, *, gate_id: str = DEFAULT_GATE_ID) -> None:
        """`gate_id` is the gate kiosk passes must list: the service passes gate.gate_id."""
        self._trust = trust_store
        self._config = config
        self._gate_id = gate_id
        self._pseudonym_key = _pseudonym_key(config.pseudonym_key_file)
        self._replays = kiosk_pass.ReplayGuard()

    def use_trust(self, trust_store: TrustStore) -> None:
        """Verify by `trust_store` from the next credential on (a reload in the running gate)."""
        self._trust = trust_store

    def verify(self, text: str, at: datetime) -> Verification:
        """The verdict on one credential text at time `at` (timezone-aware)."""
        kind = self._format_of(text)
        try:
            if at.tzinfo is None:
                raise Rejected("request", "naive-time", "The verification time has no time zone.")
            if kind == "unknown":
                raise Rejected("prefix", "unknown-prefix", "This code is not a credential this gate knows.")
            if kind not in self._config.formats:
                raise Rejected("policy", "format-not-accepted", "This kind of credential is not accepted at this gate.")
            accepted = self._verify(kind, text, at)
        except Rejected as rejected:
            logger.info("credential rejected: format=%s stage=%s reason=%s", kind, rejected.stage, rejected.reason)
            return rejected.verdict(kind)
        except Exception:  # a bug in a parser must not take the gate down; it is logged and refused
            logger.exception("credential verification failed unexpectedly (format=%s)", kind)
            return Verification(False, "structure", "internal-error", "This code could not be checked.", kind)
        return Verification(
            valid=True,
            stage="ok",
            reason="ok",
            message=accepted.message,
            format=kind,
            subject_ref=self._pseudonym(kind, accepted.identifier),
            holder_id=accepted.holder_id,
            valid_until=accepted.valid_until,
        )

    def _format_of(self, text: str) -> str:
        if text.startswith(dcc.PREFIX):
            return "dcc"
        if text[: len(shc.PREFIX)].lower() == shc.PREFIX:
            return "shc"
        if text.startswith((self._config.pass_prefix, self._config.dynamic_pass_prefix)):
            return "kiosk-pass"
        return "unknown"

    def _verify(self, kind: str, text: str, at: datetime) -> Accepted:
        config, trust = self._config, self._trust
        if kind == "dcc":
            return dcc.verify_dcc(text, at, trust, config.max_decompressed_bytes)
        if kind == "shc":
            return shc.verify_shc(text, at, trust, config.max_decompressed_bytes, config.clock_skew_s)
        return self._verify_pass(text, at)

    def _verify_pass(self, text: str, at: datetime) -> Accepted:
        config, trust = self._config, self._trust
        if text.startswith(config.dynamic_pass_prefix):
            accepted, claims, step = kiosk_pass.verify_dynamic(
                text, config.dynamic_pass_prefix, at, trust, config.clock_skew_s, config.dynamic_window_s
            )
        else:
            accepted, claims = kiosk_pass.verify_pass(text, config.pass_prefix, at, trust, config.clock_skew_s)
            step = None
        if not claims.allows(self._gate_id, config.zone):
            raise Rejected("policy", "gate-not-allowed", "This pass does not open this gate.")
        if step is not None:
            oldest = kiosk_pass.oldest_live_step(at, config.dynamic_window_s)
            if not self._replays.record(claims.pass_id, step, oldest):
                raise Rejected("policy", "replayed", "This code was already used: show the live code on your phone.")
        return accepted

    def _pseudonym(self, kind: str, identifier: str | None) -> str | None:
        """A keyed hash of the credential identifier: stable for this key, useless without it."""
        if identifier is None:
            return None
        digest = hmac.new(self._pseudonym_key, f"{kind}:{identifier}".encode("utf-8"), hashlib.sha256)
        return digest.hexdigest()[:32]


def _pseudonym_key(path: Path | None) -> bytes:
    """The site's pseudonym key; without one, a random key (pseudonyms then hold only until restart)."""
    if path is None:
        return os.urandom(32)
    try:
        key = path.read_bytes()
    except OSError as err:
        raise ConfigError([f"credentials.pseudonym_key_file '{path}': {err.strerror or err} (expected a readable key file)"]) from err
    if len(key) < 16:
        raise ConfigError([f"credentials.pseudonym_key_file '{path}': {len(key)} bytes (expected a key of at least 16 bytes)"])
    return key
