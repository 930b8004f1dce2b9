"""The kiosk's SQLite database: crash-safe settings, schema migrations, and transactions.

WAL with `synchronous=FULL` makes a commit durable when it returns, so the gate may act on a
decision as soon as `transaction()` exits. `secure_delete` overwrites deleted rows, and
`checkpoint()` folds the write-ahead log back into the file, so an erasure leaves no copy behind.

Opening checks the file against the schema the migrations build: a file that is not SQLite, or a
database with a table missing, is refused as corrupt (`CorruptStorageError`) rather than failing
later with an SQL error. Missing or edited triggers are reported by `altered_triggers()` and put
back by `restore_triggers()`; the caller decides whether to (the gate does, and audits it).
"""

from __future__ import annotations

import contextlib
import functools
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from kiosk.storage.errors import CorruptStorageError, StorageError
from kiosk.storage.migrations import MIGRATIONS

_BUSY_TIMEOUT_MS = 30_000  # how long a writer waits for another process's write to finish


class Database:
    """One connection to the kiosk database. Use `Database.open(path)`, not the constructor."""

    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:
        self.connection = connection
        self.path = path
        self._depth = 0
        self._after_commit: list[Callable[[], None]] = []

    @classmethod
    def open(cls, path: str | Path, *, create: bool = True) -> Database:
        """Open (and create, unless `create` is false) the database at `path` and bring its schema up to date."""
        path = Path(path)
        if not create and not path.is_file():
            raise StorageError(f"database {str(path)!r} does not exist (expected the file storage.path names)")
        is_new = not path.exists()
        try:
            if create:
                path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(path, isolation_level=None, timeout=_BUSY_TIMEOUT_MS / 1000)
        except (sqlite3.Error, OSError) as err:
            raise StorageError(f"database {str(path)!r}: cannot open ({err}; expected an SQLite file)") from err
        database = cls(connection, path)
        try:
            for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON", "secure_delete=ON"):
                connection.execute(f"PRAGMA {pragma}")
            if is_new:
                path.chmod(0o600)  # SQLite gives its -wal and -shm files the same mode
            database._migrate()
            database._check_tables()
        except sqlite3.OperationalError as err:
            connection.close()
            raise StorageError(f"database {str(path)!r}: cannot open ({err}; expected an SQLite file)") from err
        except sqlite3.DatabaseError as err:
            connection.close()
            raise CorruptStorageError(
                f"database {str(path)!r} is damaged or not an SQLite database ({err}): restore it from a backup"
            ) from err
        except (OSError, StorageError):
            connection.close()
            raise
        return database

    def close(self) -> None:
        self.connection.close()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        row = self.connection.execute("SELECT max(version) FROM schema_version").fetchone()
        return row[0] or 0

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction, committed (durably) on exit; nested calls join the outer one.

        `BEGIN IMMEDIATE` takes the write lock at once, so two processes appending to the
        audit chain cannot both read the same previous record.
        """
        if self._depth:
            self._depth += 1
            try:
                yield self.connection
            finally:
                self._depth -= 1
            return
        self.connection.execute("BEGIN IMMEDIATE")
        self._depth = 1
        try:
            yield self.connection
            self.connection.execute("COMMIT")
        except BaseException:
            if self.connection.in_transaction:
                self.connection.execute("ROLLBACK")
            self._after_commit.clear()
            raise
        finally:
            self._depth = 0
        callbacks, self._after_commit = self._after_commit, []
        for callback in callbacks:
            callback()

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run `callback` once the current transaction has committed (dropped if it rolls back)."""
        if not self._depth:
            raise RuntimeError("after_commit() needs an open transaction")
        self._after_commit.append(callback)

    def checkpoint(self) -> bool:
        """Copy the write-ahead log into the database file and empty it; false if a reader kept it from finishing.

        Does not wait for readers: the gate must not stall behind a long export.
        """
        self.connection.execute("PRAGMA busy_timeout = 0")
        try:
            busy, _, _ = self.connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        finally:
            self.connection.execute(f"PRAGMA busy_timeout = {_BUSY_TIMEOUT_MS}")
        return not busy

    def altered_triggers(self) -> list[str]:
        """Names of the schema's triggers that are missing or differ from what the migrations created."""
        present = dict(self.connection.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").fetchall())
        return [name for name, sql in _expected_schema("trigger").items() if present.get(name) != sql]

    def restore_triggers(self) -> list[str]:
        """Recreate missing or edited triggers as the migrations wrote them; returns their names."""
        altered = self.altered_triggers()
        if altered:
            with self.transaction() as connection:
                for name in altered:
                    connection.execute(f'DROP TRIGGER IF EXISTS "{name}"')
                    connection.execute(_expected_schema("trigger")[name])
        return altered

    def _check_tables(self) -> None:
        present = {row[0] for row in self.connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        missing = sorted(set(_expected_schema("table")) - present)
        if missing:
            raise CorruptStorageError(
                f"database {str(self.path)!r} has lost table(s) {', '.join(missing)} (dropped by hand or damaged):"
                " restore it from a backup"
            )

    def _migrate(self) -> None:
        tables = {row[0] for row in self.connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "schema_version" not in tables and tables & set(_expected_schema("table")):
            raise CorruptStorageError(
                f"database {str(self.path)!r} has kiosk tables but no schema_version table (dropped by hand or damaged):"
                " restore it from a backup"
            )
        with self.transaction() as connection:
            connection.execute(
                "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at REAL NOT NULL)"
            )
            current = self.schema_version
            if current > len(MIGRATIONS):
                raise StorageError(
                    f"database {str(self.path)!r} has schema version {current}; this kiosk knows up to "
                    f"{len(MIGRATIONS)} (expected a database written by this or an older version)"
                )
            for version, script in enumerate(MIGRATIONS[current:], start=current + 1):
                for statement in script:
                    connection.execute(statement)
                connection.execute("INSERT INTO schema_version VALUES (?, ?)", (version, time.time()))


@functools.cache
def _expected_schema(kind: str) -> dict[str, str]:
    """{name: SQL} of every table or trigger the migrations create, read back from an in-memory database."""
    with contextlib.closing(sqlite3.connect(":memory:")) as reference:
        for script in MIGRATIONS:
            for statement in script:
                reference.execute(statement)
        return dict(reference.execute("SELECT name, sql FROM sqlite_master WHERE type = ? AND name NOT LIKE 'sqlite_%'", (kind,)))
