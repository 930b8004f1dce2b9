"""One running kiosk per database: an exclusive `flock` on a lock file beside it, held for the process's life.

SQLite's own locking keeps two writers from corrupting the file, but two gates on one database
would both drive the door and each take the other's start-up for a crash. The lock file is never
deleted (deleting a held lock file lets a third process lock a new one); the kernel releases the
lock when the holder exits, however it exits.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from kiosk.storage.errors import DatabaseInUseError, StorageError


def lock_path_for(database: Path) -> Path:
    return database.with_name(database.name + ".lock")


class DatabaseLock:
    """Use `DatabaseLock.acquire(database_path)`; release with `release()` or a `with` block."""

    def __init__(self, path: Path, descriptor: int) -> None:
        self.path = path
        self._descriptor: int | None = descriptor

    @classmethod
    def acquire(cls, database: Path) -> DatabaseLock:
        """Lock `database` for this process without waiting; raises DatabaseInUseError naming the holder's pid."""
        path = lock_path_for(Path(database))
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            descriptor = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        except OSError as err:
            raise StorageError(f"lock file {str(path)!r}: cannot open ({err.strerror or err}; expected a writable folder beside the database)") from err
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(descriptor)
            os.close(descriptor)
            raise DatabaseInUseError(f"database {str(database)} is in use by another kiosk process (pid {holder})") from None
        os.ftruncate(descriptor, 0)
        os.pwrite(descriptor, f"{os.getpid()}\n".encode(), 0)
        return cls(path, descriptor)

    def release(self) -> None:
        if self._descriptor is not None:
            os.close(self._descriptor)
            self._descriptor = None

    def __enter__(self) -> DatabaseLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def _holder(descriptor: int) -> str:
    text = os.pread(descriptor, 32, 0).decode("ascii", "replace").strip()
    return text if text.isdigit() else "unknown"
