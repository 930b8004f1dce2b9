from __future__ import annotations

import random
import sqlite3
from pathlib import Path

import pytest

from kiosk.storage import AuditLog, CorruptStorageError, Database, StorageError
from kiosk.storage.migrations import MIGRATIONS


def test_new_database_is_migrated_to_the_latest_version_with_crash_safe_settings(tmp_path: Path) -> None:
    with Database.open(tmp_path / "sub" / "kiosk.db") as db:
        assert db.schema_version == len(MIGRATIONS)
        assert db.connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.connection.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        assert db.connection.execute("PRAGMA secure_delete").fetchone()[0] == 1
        tables = {name for (name,) in db.connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert {"events", "people", "consents", "templates", "audit_log", "schema_version"} <= tables


def test_database_files_are_readable_by_their_owner_only(tmp_path: Path) -> None:
    with Database.open(tmp_path / "kiosk.db") as db:
        with db.transaction() as connection:
            connection.execute("INSERT INTO people VALUES ('p', 0)")
        assert {p.name: p.stat().st_mode & 0o777 for p in tmp_path.iterdir()} == {
            "kiosk.db": 0o600, "kiosk.db-wal": 0o600, "kiosk.db-shm": 0o600
        }


def test_reopening_does_not_apply_migrations_twice(tmp_path: Path) -> None:
    Database.open(tmp_path / "kiosk.db").close()
    with Database.open(tmp_path / "kiosk.db") as db:
        assert db.connection.execute("SELECT count(*) FROM schema_version").fetchone()[0] == len(MIGRATIONS)


def test_database_from_a_newer_kiosk_is_refused_with_its_version(tmp_path: Path) -> None:
    Database.open(tmp_path / "kiosk.db").close()
    with sqlite3.connect(tmp_path / "kiosk.db") as raw:
        raw.execute("INSERT INTO schema_version VALUES (99, 0)")
    with pytest.raises(StorageError, match="schema version 99"):
        Database.open(tmp_path / "kiosk.db")


def test_opening_without_create_names_the_missing_file(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="missing.db' does not exist"):
        Database.open(tmp_path / "missing.db", create=False)
    assert not (tmp_path / "missing.db").exists()


def test_a_file_that_is_not_a_database_is_named(tmp_path: Path) -> None:
    (tmp_path / "notes.db").write_text("hello, this is not SQLite" * 100)
    with pytest.raises(StorageError, match="notes.db"):
        Database.open(tmp_path / "notes.db")


def test_failed_transaction_rolls_back_and_skips_its_after_commit_callbacks(tmp_path: Path) -> None:
    ran: list[str] = []
    with Database.open(tmp_path / "kiosk.db") as db:
        with pytest.raises(ZeroDivisionError):
            with db.transaction() as connection:
                connection.execute("INSERT INTO people VALUES ('p', 0)")
                db.after_commit(lambda: ran.append("rolled back"))
                1 / 0
        with db.transaction() as connection:
            with db.transaction():
                connection.execute("INSERT INTO people VALUES ('q', 0)")
                db.after_commit(lambda: ran.append("committed"))
            assert ran == []
        assert ran == ["committed"]
        assert db.connection.execute("SELECT person_id FROM people").fetchall() == [("q",)]


@pytest.mark.parametrize("table", ["audit_log", "people", "schema_version"])
def test_a_dropped_table_is_refused_as_corrupt_by_name(tmp_path: Path, table: str) -> None:
    Database.open(tmp_path / "kiosk.db").close()
    with sqlite3.connect(tmp_path / "kiosk.db") as raw:
        raw.execute("PRAGMA foreign_keys = OFF")
        raw.execute(f"DROP TABLE {table}")
    with pytest.raises(CorruptStorageError, match=f"kiosk.db'.* {table} .*restore it from a backup"):
        Database.open(tmp_path / "kiosk.db")


def test_random_bytes_are_refused_as_corrupt(tmp_path: Path) -> None:
    (tmp_path / "kiosk.db").write_bytes(random.Random(7).randbytes(8192))
    with pytest.raises(CorruptStorageError, match="kiosk.db' is damaged or not an SQLite database"):
        Database.open(tmp_path / "kiosk.db")


def test_missing_and_edited_triggers_are_named_and_restored(tmp_path: Path) -> None:
    Database.open(tmp_path / "kiosk.db").close()
    with sqlite3.connect(tmp_path / "kiosk.db") as raw:
        raw.execute("DROP TRIGGER audit_log_no_delete")
        raw.execute("DROP TRIGGER audit_log_no_update")
        raw.execute("CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT 1; END")
    with Database.open(tmp_path / "kiosk.db") as db:
        assert db.restore_triggers() == ["audit_log_no_update", "audit_log_no_delete"]
        assert db.altered_triggers() == []
        AuditLog(db, None).append("door-override", {})
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            db.connection.execute("DELETE FROM audit_log")
