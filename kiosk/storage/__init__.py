"""Storage: decisions, enrolments and consent in one crash-safe SQLite file, with a tamper-evident audit log.

The gate opens it with `Storage.open(config.storage, clock)`; the parts are usable on their own.
"""

from kiosk.storage.audit import AuditKind, AuditLog, AuditReport, HeadWitness
from kiosk.storage.captures import DebugCapture
from kiosk.storage.config import StorageConfig
from kiosk.storage.database import Database
from kiosk.storage.errors import CorruptStorageError, DatabaseInUseError, StorageError
from kiosk.storage.events import DecisionRecord, EventStore, StoredEvent
from kiosk.storage.lock import DatabaseLock
from kiosk.storage.keys import TemplateCipher, create_key, pseudonym, read_key, read_or_create_key
from kiosk.storage.outbox import Outbox, OutboxMessage
from kiosk.storage.people import Consent, Erasure, PeopleStore, Person
from kiosk.storage.retention import PurgeResult, Retention
from kiosk.storage.storage import Storage

__all__ = [
    "AuditKind",
    "AuditLog",
    "AuditReport",
    "Consent",
    "CorruptStorageError",
    "Database",
    "DatabaseInUseError",
    "DatabaseLock",
    "DebugCapture",
    "DecisionRecord",
    "Erasure",
    "EventStore",
    "HeadWitness",
    "Outbox",
    "OutboxMessage",
    "PeopleStore",
    "Person",
    "PurgeResult",
    "Retention",
    "Storage",
    "StorageConfig",
    "StorageError",
    "StoredEvent",
    "TemplateCipher",
    "create_key",
    "pseudonym",
    "read_key",
    "read_or_create_key",
]
