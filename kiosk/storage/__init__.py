"""Storage: decisions, enrolments and consent in one crash-safe SQLite file, with a tamper-evident audit log.

The gate opens it with `Storage.open(config.storage, clock)`; the parts are usable on their own.
"""

from kiosk.storage.audit import AuditKind, AuditLog, AuditReport
from kiosk.storage.captures import DebugCapture
from kiosk.storage.config import StorageConfig
from kiosk.storage.database import Database
from kiosk.storage.errors import StorageError
from kiosk.storage.events import DecisionRecord, EventStore, StoredEvent
from kiosk.storage.keys import TemplateCipher, create_key, pseudonym, read_key, read_or_create_key
from kiosk.storage.people import Consent, Erasure, PeopleStore, Person
from kiosk.storage.retention import PurgeResult, Retention
from kiosk.storage.storage import Storage

__all__ = [
    "AuditKind",
    "AuditLog",
    "AuditReport",
    "Consent",
    "Database",
    "DebugCapture",
    "DecisionRecord",
    "Erasure",
    "EventStore",
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
