"""Everything the gate needs from storage, opened from the `[storage]` config in one call."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from hardware.clock import Clock
from kiosk.storage.audit import AuditLog
from kiosk.storage.captures import DebugCapture
from kiosk.storage.config import StorageConfig
from kiosk.storage.database import Database
from kiosk.storage.events import EventStore
from kiosk.storage.keys import TemplateCipher, read_key, read_or_create_key
from kiosk.storage.people import PeopleStore
from kiosk.storage.retention import Retention

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

    @classmethod
    def open(cls, config: StorageConfig, clock: Clock, *, config_text: str | None = None) -> Storage:
        """Open the database, run the start-up purge, and audit `config_text` if it changed since last time."""
        device_key = read_or_create_key(config.device_key_file)
        cipher = TemplateCipher(read_key(config.embeddings_key_file)) if config.embeddings_key_file else None
        db = Database.open(config.path)
        audit = AuditLog(db, device_key if config.audit_hmac else None, clock)
        events = EventStore(db, device_key, record_temperature_values=config.record_temperature_values, audit=audit)
        people = PeopleStore(db, cipher, events=events, clock=clock)
        captures = DebugCapture(config.debug_capture_dir, config.debug_capture_hours) if config.debug_capture_hours else None
        if captures:
            logger.warning("%s (storage.debug_capture_hours)", captures.notice())
        storage = cls(db, audit, events, people, Retention(events, people, config.retention_days, captures), captures, clock)
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
        if result.events or result.people or result.frames:
            logger.info("retention purge: %d events, %d people, %d frames", result.events, result.people, result.frames)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Storage:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
