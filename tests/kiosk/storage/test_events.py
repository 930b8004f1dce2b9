from __future__ import annotations

import json

import pytest

from hardware.clock import ManualClock
from kiosk.storage import AuditKind, DecisionRecord, EventStore, Storage, StorageConfig, pseudonym


def decision(at: float, subject: str | None = "employee-4711", verdict: str = "granted") -> DecisionRecord:
    return DecisionRecord(at, "north-door", verdict, ("credential-valid", "temperature-ok"), subject, False, 36.6, "Welcome, Ada")


def all_values(storage: Storage, table: str) -> list[object]:
    return [value for row in storage.db.connection.execute(f"SELECT * FROM {table}") for value in row]


def test_subject_is_stored_only_as_a_device_keyed_pseudonym_and_the_message_not_at_all(
    storage: Storage, storage_config: StorageConfig, clock: ManualClock
) -> None:
    storage.events.record(decision(clock.wall()))
    values = all_values(storage, "events") + all_values(storage, "audit_log")
    assert not any("employee-4711" in str(value) or "Ada" in str(value) for value in values)
    (event,) = storage.events.events()
    assert event.subject_ref == pseudonym(storage_config.device_key_file.read_bytes(), "employee-4711")
    assert pseudonym(b"\x01" * 32, "employee-4711") != event.subject_ref


def test_temperature_is_kept_as_above_below_only_unless_configured(storage: Storage, clock: ManualClock) -> None:
    storage.events.record(decision(clock.wall()))
    valued = EventStore(storage.db, b"k" * 32, record_temperature_values=True, audit=storage.audit)
    valued.record(decision(clock.wall()))
    first, second = storage.events.events()
    assert (first.temperature_above, first.temperature_c) == (False, None)
    assert (second.temperature_above, second.temperature_c) == (False, 36.6)


def test_each_decision_is_audited_without_its_subject(storage: Storage, clock: ManualClock) -> None:
    event_id = storage.events.record(decision(clock.wall(), verdict="denied"))
    last = storage.audit.records()[-1]
    assert last.kind == AuditKind.DECISION
    assert json.loads(last.details) == {
        "event": event_id, "gate_id": "north-door", "verdict": "denied", "reasons": ["credential-valid", "temperature-ok"]
    }


def test_events_are_selected_by_time_oldest_first(storage: Storage, clock: ManualClock) -> None:
    start = clock.wall()
    ids = [storage.events.record(decision(start + offset)) for offset in (30, 10, 20)]
    assert [e.id for e in storage.events.events()] == [ids[1], ids[2], ids[0]]
    assert [e.id for e in storage.events.events(since=start + 15, until=start + 30)] == [ids[2]]


def test_event_ids_are_never_reused_after_a_purge(storage: Storage, clock: ManualClock) -> None:
    first = storage.events.record(decision(clock.wall()))
    storage.events.purge_before(clock.wall() + 1)
    assert storage.events.record(decision(clock.wall() + 2)) > first


def test_a_verdict_other_than_granted_or_denied_is_refused() -> None:
    with pytest.raises(ValueError, match="verdict 'maybe'"):
        decision(0.0, verdict="maybe")


def test_storage_open_creates_the_device_key_owner_readable_only(storage_config: StorageConfig, clock: ManualClock) -> None:
    Storage.open(storage_config, clock).close()
    assert storage_config.device_key_file.stat().st_mode & 0o777 == 0o600
    assert len(storage_config.device_key_file.read_bytes()) == 32
