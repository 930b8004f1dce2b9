"""The command desk: verifies each remote command, claims its nonce, and audits it, run or refused."""

from __future__ import annotations

import logging

from cryptography.hazmat.primitives.asymmetric import ed25519

from kiosk.fleet.commands import CommandVerdict, verify_command
from kiosk.fleet.config import CommandsConfig
from kiosk.storage.audit import AuditLog
from kiosk.storage.nonces import NonceStore

logger = logging.getLogger(__name__)

AUDIT_KIND = "remote-command"
# What the gate machine carries out (kiosk.gate.events.OperatorCommand); reload-trust and revoke go to the trust keeper.
MACHINE_ACTIONS = frozenset({"unlock-once", "lock-down", "lift-lock-down", "evacuate", "end-evacuation"})
# What may run while the clock cannot be trusted: these only take access away, or (reload-trust) carry an
# update whose own sequence number refuses a replay. With a wrong clock, freshness means nothing and the
# nonces of old commands are long forgotten, so an old "unlock-once" recorded off the network would pass
# as new (a Pi without RTC boots with the clock it had when it was switched off).
CLOCK_FREE_ACTIONS = frozenset({"lock-down", "revoke", "reload-trust"})


class CommandDesk:
    def __init__(
        self,
        gate_id: str,
        config: CommandsConfig,
        keys: dict[bytes, ed25519.Ed25519PublicKey],
        nonces: NonceStore,
        audit: AuditLog,
        supported: frozenset[str],
    ) -> None:
        self._supported = supported
        self._gate_id = gate_id
        self._config = config
        self._keys = keys
        self._nonces = nonces
        self._audit = audit

    def receive(self, topic_action: str, raw: bytes, now: float, *, clock_fault: str | None) -> CommandVerdict:
        """The verdict on one command as received (epoch `now`); it is in the audit log before this returns.

        While `clock_fault` says why the clock cannot be trusted, only `CLOCK_FREE_ACTIONS` run; the others
        are refused (`clock-untrusted`) without claiming their nonce.
        """
        verdict = verify_command(
            raw, topic_action=topic_action, gate_id=self._gate_id, keys=self._keys, now=now, max_age_s=self._config.max_age_s
        )
        command = verdict.command
        if verdict.ok and command is not None:
            if command.action not in self._supported:
                verdict = CommandVerdict(False, "not-supported", command)
            elif command.action in ("evacuate", "end-evacuation") and not self._config.evacuation_enabled:
                verdict = CommandVerdict(False, "evacuation-not-enabled", command)
            elif clock_fault is not None and command.action not in CLOCK_FREE_ACTIONS:
                verdict = CommandVerdict(False, "clock-untrusted", command)
            elif not self._nonces.claim(command.nonce, now):
                verdict = CommandVerdict(False, "replayed", command)
        details = {
            "topic_action": topic_action[:40],
            "run": verdict.ok,
            "reason": verdict.reason,
            "signer": command.signer if command else None,
            "nonce": command.nonce if command else None,
            "issued_at": command.issued_at if command else None,
        }
        self._audit.append(AUDIT_KIND, details)
        if verdict.ok:
            logger.warning("remote command %s accepted (signer %s)", topic_action, details["signer"])
        else:
            logger.warning("remote command %s refused: %s", topic_action[:40], verdict.reason)
        return verdict

    def forget_old_nonces(self, now: float) -> int:
        """Nonces older than twice the freshness window can go: their commands are refused as stale."""
        return self._nonces.forget_before(now - 2 * self._config.max_age_s)
