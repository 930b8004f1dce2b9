"""Storage errors: a database or key file that cannot be used as it is."""

from kiosk.errors import KioskError


class StorageError(KioskError):
    """The database or a key file is missing, unreadable, tampered with, or from a newer kiosk."""
