"""Everything the gate needs from storage, opened from the `[storage]` config in one call."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from hardware.clock import Clock
from kiosk.storage.audit import AuditKind, AuditLog, HeadWitness
from kiosk.storage.audit_head import HeadFile, HeadFileError, head_path_for
from kiosk.storage.captures import DebugCapture
from kiosk.storage.config import StorageConfig
from kiosk.storage.database import Database
from kiosk.storage.errors import CorruptStorageError
from kiosk.storage.events import EventStore
from kiosk.storage.keys import TemplateCipher, read_key, read_or_create_key
from kiosk.storage.outbox import Outbox
from kiosk.storage.people import PeopleStore
from kiosk.storage.retention import Retention
from kiosk.storage.witness import witnesses_for

RESET_HINT = "start a new chain with 'kiosk audit reset-chain --reason TEXT'"

logger = logging.getLogger(__name__)


@dataclass
class Storage:
    """The open database and its stores. Call `tick()` from the gate loop so the hourly purge runs."""

    db: Database
    audit: AuditLog
    events: EventStore
    people: PeopleStore
    retention: Retention
    captures: DebugCapture | None
    clock: Clock
    outbox: Outbox

    @classmethod
    def open(
        cls, config: StorageConfig, clock: Clock, *, config_text: str | None = None, witnesses: Sequence[HeadWitness] = ()
    ) -> Storage:
        """Open the database after checking its audit chain, then run the start-up purge and audit `config_text` if it changed.

        Refuses (CorruptStorageError) a broken chain, and a new database where the head of an
        earlier one remains; puts back missing append-only triggers and audits that it did.
        `witnesses`, plus the syslog witness `storage.audit_syslog` names, are told every head.
        """
        device_key = read_or_create_key(config.device_key_file)
        cipher = TemplateCipher(read_key(config.embeddings_key_file)) if config.embeddings_key_file else None
        audit_key = device_key if config.audit_hmac else None
        _refuse_a_new_database_after_an_old_head(config.path, audit_key)
        db = Database.open(config.path)
        try:
            audit = AuditLog(db, audit_key, clock, [*witnesses_for(config), *witnesses])
            _check_chain(audit, config.path)
            restored = db.restore_triggers()
            if restored:
                logger.warning("audit guard triggers %s were missing or edited in %s: restored", ", ".join(restored), config.path)
                audit.append(AuditKind.TRIGGERS_RESTORED, {"triggers": restored})
            audit.publish_head()
        except BaseException:
            db.close()
            raise
        events = EventStore(db, device_key, record_temperature_values=config.record_temperature_values, audit=audit)
        people = PeopleStore(db, cipher, events=events, clock=clock)
        captures = DebugCapture(config.debug_capture_dir, config.debug_capture_hours) if config.debug_capture_hours else None
        if captures:
            logger.warning("%s (storage.debug_capture_hours)", captures.notice())
        outbox = Outbox(db)
        retention = Retention(events, people, config.retention_days, captures, outbox)
        storage = cls(db, audit, events, people, retention, captures, clock, outbox)
        if config_text is not None:
            audit.record_config(config_text)
        storage.tick()
        return storage

    def tick(self) -> None:
        """Run the retention purge when it is due (at the first call, then hourly), then empty the write-ahead log."""
        result = self.retention.run_if_due(self.clock.wall())
        if result is None:
            return
        self.db.checkpoint()
        if result.outbox:
            logger.warning("retention purge: %d messages for the broker were never acknowledged and are dropped", result.outbox)
        if result.events or result.people or result.frames:
            logger.info("retention purge: %d events, %d people, %d frames", result.events, result.people, result.frames)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Storage:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _refuse_a_new_database_after_an_old_head(path: Path, audit_key: bytes | None) -> None:
    """A missing database whose head file remains was deleted or moved: starting afresh would hide that."""
    head_path = head_path_for(path)
    if path.exists() or not head_path.exists():
        return
    try:
        head = HeadFile(head_path, audit_key).read()
    except HeadFileError:
        recorded = "remains (and cannot be trusted)"
    else:
        if head is None or head.seq == 0:
            return  # no record was ever committed: nothing was lost
        recorded = f"records {head.seq} audit records"
    raise CorruptStorageError(
        f"database {str(path)!r} does not exist but the audit head {str(head_path)!r} of an earlier one {recorded}:"
        f" restore the database from a backup, or {RESET_HINT}"
    )


def _check_chain(audit: AuditLog, path: Path) -> None:
    report = audit.verify()
    if not report.ok:
        where = f" at record {report.first_broken}" if report.first_broken else ""
        raise CorruptStorageError(
            f"audit log of {str(path)!r} is broken{where}: {report.problem}; the kiosk will not run on it:"
            f" see 'kiosk audit verify', restore the database from a backup, or {RESET_HINT}"
        )
