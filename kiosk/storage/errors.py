"""Storage errors: a database or key file that cannot be used as it is."""

from kiosk.errors import DataIntegrityError, InUseError, KioskError


class StorageError(KioskError):
    """The database or a key file is missing, unreadable, tampered with, or from a newer kiosk."""


class CorruptStorageError(StorageError, DataIntegrityError):
    """The database, its schema or its audit chain is damaged or was edited: refused, never repaired silently."""


class DatabaseInUseError(StorageError, InUseError):
    """Another kiosk process is running on this database."""
