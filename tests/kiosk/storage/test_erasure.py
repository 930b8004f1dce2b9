"""`forget` leaves no trace of the person: not in any table, not in the database or WAL file bytes."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

from hardware.clock import ManualClock
from kiosk.storage import AuditKind, Consent, DecisionRecord, Storage, StorageConfig, pseudonym

PERSON = "alice-7f3e9b21"


def every_value(storage: Storage) -> list[tuple[str, str, object]]:
    """(table, column, value) for every cell of every table, SQLite's own included."""
    connection = storage.db.connection
    tables = [name for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    cells = []
    for table in tables:
        cursor = connection.execute(f'SELECT * FROM "{table}"')
        columns = [description[0] for description in cursor.description]
        cells += [(table, column, value) for row in cursor for column, value in zip(columns, row)]
    cells += [("sqlite_master", "sql", sql) for (sql,) in connection.execute("SELECT sql FROM sqlite_master")]
    return cells


def traces(storage: Storage, needles: list[bytes]) -> list[tuple[str, str]]:
    found = []
    for table, column, value in every_value(storage):
        raw = value if isinstance(value, bytes) else str(value).encode()
        if any(needle in raw for needle in needles):
            found.append((table, column))
    return found


def enrol_and_visit(storage: Storage, clock: ManualClock, person: str, seed: int, templates: Callable) -> None:
    storage.people.enroll(person, templates(seed=seed), Consent("entry", clock.wall(), clock.wall() + 86400, "desk"))
    for verdict in ("granted", "denied"):
        clock.advance(60)
        storage.events.record(
            DecisionRecord(clock.wall(), "north", verdict, ("face-matched",), person, False, 36.5, f"Welcome {person}")
        )


def person_needles(storage: Storage, storage_config: StorageConfig, templates: Callable) -> list[bytes]:
    """Every byte string that would identify PERSON: id, pseudonym, stored blobs and nonces, plain embeddings."""
    alias = pseudonym(storage_config.device_key_file.read_bytes(), PERSON)
    rows = storage.db.connection.execute("SELECT embedding, nonce FROM templates WHERE person_id = ?", (PERSON,)).fetchall()
    plain = [t.embedding.tobytes() for t in templates(seed=1)]
    return [PERSON.encode(), alias.encode(), *(blob for row in rows for blob in row), *plain]


def files_holding(storage_config: StorageConfig, needles: list[bytes]) -> list[str]:
    paths = [storage_config.path, Path(f"{storage_config.path}-wal")]
    return [p.name for p in paths if p.exists() and any(needle in p.read_bytes() for needle in needles)]


def test_forget_leaves_no_trace_of_the_person_in_any_table_or_file(
    storage: Storage, storage_config: StorageConfig, clock: ManualClock, synthetic_templates: Callable
) -> None:
    enrol_and_visit(storage, clock, PERSON, 1, synthetic_templates)
    enrol_and_visit(storage, clock, "bob", 2, synthetic_templates)
    needles = person_needles(storage, storage_config, synthetic_templates)
    assert traces(storage, needles), "the test must first find the person it then expects gone"

    erasure = storage.people.forget(PERSON)

    assert (erasure.person_found, erasure.templates, erasure.events_unlinked) == (True, 3, 2)
    assert traces(storage, needles) == []
    assert files_holding(storage_config, needles) == []
    last = storage.audit.records()[-1]
    assert last.kind == AuditKind.ERASURE
    assert json.loads(last.details) == {"enrolment": True, "templates": 3, "events_unlinked": 2}
    assert storage.audit.verify().ok


def test_a_reader_delays_emptying_the_log_only_until_the_hourly_purge(
    storage: Storage, storage_config: StorageConfig, clock: ManualClock, synthetic_templates: Callable
) -> None:
    enrol_and_visit(storage, clock, PERSON, 1, synthetic_templates)
    needles = person_needles(storage, storage_config, synthetic_templates)
    reader = sqlite3.connect(storage_config.path, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM events").fetchone()
    storage.people.forget(PERSON)
    assert files_holding(storage_config, needles) == ["kiosk.db-wal"]
    reader.close()
    clock.advance(3600)
    storage.tick()
    assert files_holding(storage_config, needles) == []


def test_forget_keeps_everyone_else(storage: Storage, clock: ManualClock, synthetic_templates: Callable) -> None:
    enrol_and_visit(storage, clock, PERSON, 1, synthetic_templates)
    enrol_and_visit(storage, clock, "bob", 2, synthetic_templates)
    storage.people.forget(PERSON)
    assert [p.person_id for p in storage.people.list_people()] == ["bob"]
    assert len(storage.people.load_templates()) == 3
    assert sum(1 for e in storage.events.events() if e.subject_ref) == 2
    assert len(list(storage.events.events())) == 4


def test_forgetting_someone_unknown_erases_nothing_but_is_audited(storage: Storage) -> None:
    erasure = storage.people.forget("nobody")
    assert not erasure.erased_anything
    assert storage.audit.records()[-1].kind == AuditKind.ERASURE
