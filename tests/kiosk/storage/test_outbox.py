"""The outbox keeps messages for the broker across restarts, in order, until acknowledged or too old to keep."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hardware.clock import ManualClock
from kiosk.storage import AuditKind, DecisionRecord, Storage, StorageConfig
from kiosk.storage.outbox import read_summary

DAY_S = 86400.0


def test_messages_survive_a_restart_and_come_back_in_the_order_they_were_added(storage_config: StorageConfig, clock: ManualClock) -> None:
    with Storage.open(storage_config, clock) as storage:
        first = storage.outbox.add(clock.wall(), "kiosk/decisions", '{"seq": 1}')
        second = storage.outbox.add(clock.wall(), "kiosk/decisions", '{"seq": 2}')
        third = storage.outbox.add(clock.wall(), "kiosk/decisions", '{"seq": 3}')
        storage.outbox.remove([first])
    with Storage.open(storage_config, clock) as storage:
        assert [m.payload for m in storage.outbox.oldest(10)] == ['{"seq": 2}', '{"seq": 3}']
        assert [m.id for m in storage.outbox.oldest(10, after_id=second)] == [third]
        assert storage.outbox.depth() == 2


def test_a_message_is_not_kept_when_the_decision_it_belongs_to_rolls_back(storage: Storage, clock: ManualClock) -> None:
    with pytest.raises(RuntimeError, match="power cut"):
        with storage.db.transaction():
            storage.events.record(DecisionRecord(clock.wall(), "north", "granted", (), None, None, None, "Welcome"))
            storage.outbox.add(clock.wall(), "kiosk/decisions", "{}")
            raise RuntimeError("power cut")
    assert (storage.outbox.depth(), list(storage.events.events())) == (0, [])


def test_retention_drops_undelivered_messages_as_old_as_the_purged_events(storage_config: StorageConfig, clock: ManualClock) -> None:
    with Storage.open(storage_config, clock) as storage:
        storage.outbox.add(clock.wall() - 15 * DAY_S, "kiosk/decisions", '{"seq": 1}')
        storage.outbox.add(clock.wall() - 13 * DAY_S, "kiosk/decisions", '{"seq": 2}')
    with Storage.open(storage_config, clock) as storage:
        assert [m.payload for m in storage.outbox.oldest(10)] == ['{"seq": 2}']
        purge = storage.audit.records()[-1]
        assert (purge.kind, json.loads(purge.details)) == (AuditKind.RETENTION_PURGE, {"events": 0, "frames": 0, "outbox": 1})


def test_the_summary_reads_depth_and_age_without_the_gates_lock(storage: Storage, storage_config: StorageConfig, clock: ManualClock) -> None:
    storage.outbox.add(clock.wall() - 60, "kiosk/decisions", "{}")
    storage.outbox.add(clock.wall(), "kiosk/decisions", "{}")
    summary = read_summary(storage_config.path)
    assert summary is not None and (summary.depth, summary.oldest_at) == (2, clock.wall() - 60)


def test_no_summary_without_a_database(tmp_path: Path) -> None:
    assert read_summary(tmp_path / "absent.db") is None
