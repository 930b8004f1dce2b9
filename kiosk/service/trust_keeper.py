"""The running gate's trust store: reloaded, updated and added to without a restart, keeping the last good one.

`TrustKeeper` is the one way the running gate changes whom it trusts: the signed `reload-trust`
and `revoke` commands from MQTT go through it, and so can the operator page. Every change, made or
refused, is an audit record `trust-list-update`. The credential source is handed the new store
only once it loaded whole; on any fault it keeps verifying by the last good one.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from kiosk.credentials.command_revocations import SHA256_HEX, add_revocation
from kiosk.credentials.trust import TrustStore, TrustStoreError
from kiosk.credentials.updates import apply_update
from kiosk.fleet.commands import Command
from kiosk.storage.audit import AuditKind, AuditLog

logger = logging.getLogger(__name__)

TRUST_ACTIONS = frozenset({"reload-trust", "revoke"})


@runtime_checkable
class TrustUser(Protocol):
    """Something in the gate that verifies by the trust store (the credential source)."""

    def use_trust(self, trust_store: TrustStore) -> None: ...


@dataclass(frozen=True)
class TrustChange:
    done: bool
    reason: str  # "reloaded", "applied", "revoked", "already-revoked", or why it was refused
    message: str
    sequence: int | None = None  # an update's sequence number, where one was read


class TrustKeeper:
    def __init__(self, root: Path, audit: AuditLog, users: Sequence[object]) -> None:
        self._root = root
        self._audit = audit
        self._users = [user for user in users if isinstance(user, TrustUser)]
        self._lock = threading.Lock()  # the gate loop and the operator page may both call
        self._unwritten: set[str] = set()  # revocations in use that could not be written (see revoke)
        try:
            self._store: TrustStore | None = TrustStore.load(root)
        except TrustStoreError:
            self._store = None  # no credential check reads it; a reload that works sets it

    def reload(self, by: str) -> TrustChange:
        """Read the trust root again (after `kiosk credential update-trust` on the gate, say)."""
        with self._lock:
            change = self._reload()
            self._record(by, "reload", change)
        return change

    def apply_update(self, update: bytes, by: str) -> TrustChange:
        """Apply a site-signed update as `kiosk credential update-trust` does, then use it: refused ones change nothing."""
        with self._lock:
            try:
                outcome = apply_update(self._root, update)
            except (TrustStoreError, OSError) as err:  # no update key installed, or the disk refused the new generation
                change = TrustChange(False, "not-applied", f"The update was not applied ({err}); the last good store stays in use.")
                self._record(by, "update", change)
                return change
            change = self._reload() if outcome.applied else TrustChange(False, outcome.reason, outcome.message, outcome.sequence)
            if change.done:
                change = TrustChange(True, "applied", outcome.message, outcome.sequence)
            elif outcome.applied:  # written as the current generation, but the root as a whole does not load
                change = TrustChange(False, change.reason, f"Update {outcome.sequence} was written on disk, but: {change.message}", outcome.sequence)
            self._record(by, "update", change, sequence=outcome.sequence)
        return change

    def revoke(self, sha256: str, by: str) -> TrustChange:
        """Revoke the identifier whose SHA-256 is `sha256`, for good: kept beside the generations, in use at once.

        If it cannot be written (a full disk, a damaged file), it is still in use, through every reload, until
        the service stops: refusing it would leave the revoked credential opening the door.
        """
        with self._lock:
            if not SHA256_HEX.fullmatch(sha256):
                change = TrustChange(False, "bad-revocation", f"revocation {sha256[:80]!r}: expected the SHA-256 of the identifier, 64 lower-case hex digits")
            else:
                try:
                    added = add_revocation(self._root, sha256)
                except (ValueError, OSError) as err:  # ValueError: the file there is not a list of revocations
                    self._unwritten.add(sha256)
                    change = TrustChange(False, "not-written", f"Revoked {sha256[:12]}… in use now, but not written, so lost at a restart: {err}")
                else:
                    change = TrustChange(True, "revoked" if added else "already-revoked", f"Revoked {sha256[:12]}…, in use now.")
                if self._store is not None:  # in use even if the rest of the trust root stopped loading meanwhile
                    self._hand_out(replace(self._store, revoked_sha256=self._store.revoked_sha256 | {sha256}))
            self._record(by, "revoke", change, revoked=sha256 if SHA256_HEX.fullmatch(sha256) else None)
        return change

    def run(self, command: Command) -> TrustChange:
        """Carry out a verified, audited `reload-trust` or `revoke` command.

        reload-trust: args {} (read the trust root again) or {"update": the signed update's bytes};
        revoke: args {"sha256": 64 hex digits}. Other arguments are refused, and audited.
        """
        by = f"operator key {command.signer}"
        args = command.args
        if command.action == "revoke" and set(args) == {"sha256"} and isinstance(args["sha256"], str):
            return self.revoke(args["sha256"], by)
        if command.action == "reload-trust" and not args:
            return self.reload(by)
        if command.action == "reload-trust" and set(args) == {"update"} and isinstance(args["update"], bytes):
            return self.apply_update(args["update"], by)
        change = TrustChange(False, "bad-arguments", f"{command.action}: arguments {sorted(map(str, args))[:5]} are not what it takes")
        with self._lock:
            self._record(by, command.action, change)
        return change

    def _reload(self) -> TrustChange:
        try:
            store = TrustStore.load(self._root)
        except TrustStoreError as err:
            logger.error("trust reload failed, keeping the last good store: %s", err)
            return TrustChange(False, "unreadable", f"The trust store did not load ({err}); the last good one stays in use.")
        self._hand_out(store)
        return TrustChange(True, "reloaded", "The trust store was read again and is in use.")

    def _hand_out(self, store: TrustStore) -> None:
        if not self._unwritten <= store.revoked_sha256:
            store = replace(store, revoked_sha256=store.revoked_sha256 | self._unwritten)
        self._store = store
        for user in self._users:
            user.use_trust(store)

    def _record(self, by: str, action: str, change: TrustChange, **extra: Any) -> None:
        details = {"by": by, "action": action, "done": change.done, "reason": change.reason, **extra}
        self._audit.append(AuditKind.TRUST_LIST_UPDATE, details)
        (logger.info if change.done else logger.warning)("trust %s by %s: %s", action, by, change.reason)


class TrustUpdateRequests:
    """Signed updates handed in from another thread (the operator page), applied on the gate loop's own.

    The keeper writes its audit record through the gate's database connection, which belongs to
    the loop's thread; so the page only queues the update and waits for the answer. A request
    the page gave up on (cancelled) before the loop reached it is never applied.
    """

    def __init__(self) -> None:
        self._waiting: queue.SimpleQueue[tuple[bytes, str, Future[TrustChange]]] = queue.SimpleQueue()

    def submit(self, update: bytes, by: str) -> Future[TrustChange]:
        answer: Future[TrustChange] = Future()
        self._waiting.put((update, by, answer))
        return answer

    def serve(self, keeper: TrustKeeper) -> None:
        """Apply every waiting update (called from the gate loop)."""
        while True:
            try:
                update, by, answer = self._waiting.get_nowait()
            except queue.Empty:
                return
            if answer.set_running_or_notify_cancel():
                try:
                    answer.set_result(keeper.apply_update(update, by))
                except Exception as err:  # the page must get an answer; the keeper kept the last good store
                    logger.exception("trust update from %s failed", by)
                    answer.set_exception(err)
