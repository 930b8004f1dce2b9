"""Retention with a manual clock: purged at start-up and hourly, never before it is due."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable

import numpy as np
import pytest

from hardware.clock import ManualClock
from kiosk.storage import AuditKind, Consent, DebugCapture, DecisionRecord, Storage, StorageConfig

DAY_S = 86400.0
HOUR_S = 3600.0


def record_at(storage: Storage, at: float) -> int:
    return storage.events.record(DecisionRecord(at, "north", "denied", ("no-credential",), None, None, None, "Denied"))


def test_start_up_purges_events_older_than_the_retention_period(
    storage_config: StorageConfig, clock: ManualClock
) -> None:
    with Storage.open(storage_config, clock) as storage:
        record_at(storage, clock.wall() - 15 * DAY_S)
        kept = record_at(storage, clock.wall() - 13 * DAY_S)
    with Storage.open(storage_config, clock) as storage:
        assert [e.id for e in storage.events.events()] == [kept]
        purge = storage.audit.records()[-1]
        assert (purge.kind, json.loads(purge.details)) == (AuditKind.RETENTION_PURGE, {"events": 1, "frames": 0})


def test_purge_runs_hourly_not_on_every_tick(storage: Storage, clock: ManualClock) -> None:
    record_at(storage, clock.wall() - 14 * DAY_S + 30 * 60)  # turns 14 days old in 30 minutes
    clock.advance(45 * 60)
    storage.tick()
    assert len(list(storage.events.events())) == 1, "the last purge was 45 minutes ago: not due yet"
    clock.advance(15 * 60)
    storage.tick()
    assert list(storage.events.events()) == []


def test_retention_period_comes_from_the_config(storage_config: StorageConfig, clock: ManualClock) -> None:
    with Storage.open(dataclasses.replace(storage_config, retention_days=1), clock) as storage:
        record_at(storage, clock.wall() - 2 * HOUR_S)
        record_at(storage, clock.wall() - 25 * HOUR_S)
        assert storage.retention.purge(clock.wall()).events == 1
        assert len(list(storage.events.events())) == 1


def test_enrolments_are_erased_when_their_consent_expires(
    storage: Storage, clock: ManualClock, synthetic_templates: Callable
) -> None:
    storage.people.enroll("alice", synthetic_templates(seed=1), Consent("entry", clock.wall(), clock.wall() + DAY_S, "desk"))
    storage.people.enroll("bob", synthetic_templates(seed=2), Consent("entry", clock.wall(), clock.wall() + 3 * DAY_S, "desk"))
    clock.advance(DAY_S + HOUR_S)
    storage.tick()
    assert [p.person_id for p in storage.people.list_people()] == ["bob"]
    assert storage.audit.records()[-1].kind == AuditKind.ERASURE


def test_debug_frames_are_kept_for_the_configured_hours_only(
    storage_config: StorageConfig, clock: ManualClock, tmp_path
) -> None:
    config = dataclasses.replace(storage_config, debug_capture_hours=2, debug_capture_dir=tmp_path / "frames")
    with Storage.open(config, clock) as storage:
        image = np.zeros((4, 4, 3), np.uint8)
        storage.captures.save(image, clock.wall() - 3 * HOUR_S)
        recent = storage.captures.save(image, clock.wall() - HOUR_S)
        clock.advance(HOUR_S)
        storage.tick()
        assert [path for _, path in storage.captures.frames()] == [recent]


def test_debug_capture_is_off_by_default(storage: Storage) -> None:
    assert storage.captures is None


def test_a_capture_keeping_nothing_is_refused(tmp_path) -> None:
    with pytest.raises(ValueError, match="keep_hours = 0"):
        DebugCapture(tmp_path, 0)
