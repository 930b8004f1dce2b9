"""Opening storage the way the gate does: config changes audited, debug capture announced."""

from __future__ import annotations

import dataclasses
import logging
import sqlite3
from pathlib import Path

import pytest

from hardware.clock import ManualClock
from kiosk.storage import AuditKind, CorruptStorageError, Storage, StorageConfig, StorageError


def config_changes(storage: Storage) -> int:
    return sum(1 for record in storage.audit.records() if record.kind == AuditKind.CONFIG_CHANGE)


def test_each_start_with_a_changed_config_is_audited(storage_config: StorageConfig, clock: ManualClock) -> None:
    for text, expected in (("[gate]\nunlock_s = 5\n", 1), ("[gate]\nunlock_s = 5\n", 1), ("[gate]\nunlock_s = 8\n", 2)):
        with Storage.open(storage_config, clock, config_text=text) as storage:
            assert config_changes(storage) == expected


def test_debug_capture_is_announced_at_start_up(
    storage_config: StorageConfig, clock: ManualClock, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config = dataclasses.replace(storage_config, debug_capture_hours=6, debug_capture_dir=tmp_path / "frames")
    with caplog.at_level(logging.WARNING, logger="kiosk.storage"):
        Storage.open(config, clock).close()
    assert f"debug capture is on: camera frames are kept in {tmp_path / 'frames'} for up to 6 hours" in caplog.text


def test_a_configured_embeddings_key_that_is_missing_is_named(storage_config: StorageConfig, clock: ManualClock, tmp_path: Path) -> None:
    config = dataclasses.replace(storage_config, embeddings_key_file=tmp_path / "nope.key")
    with pytest.raises(StorageError, match="nope.key' does not exist .*kiosk storage keygen"):
        Storage.open(config, clock)


def appended(config: StorageConfig, clock: ManualClock, records: int = 3) -> None:
    with Storage.open(config, clock) as storage:
        for index in range(records):
            storage.audit.append(AuditKind.DOOR_OVERRIDE, {"index": index})


def test_a_deleted_database_is_not_silently_replaced_while_its_head_remains(storage_config: StorageConfig, clock: ManualClock) -> None:
    appended(storage_config, clock)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{storage_config.path}{suffix}").unlink(missing_ok=True)
    with pytest.raises(CorruptStorageError, match=r"kiosk.db' does not exist but the audit head .* records 3 audit records: .*kiosk audit reset-chain --reason TEXT"):
        Storage.open(storage_config, clock)
    assert not storage_config.path.exists()


def test_a_broken_chain_is_refused_at_start_up(storage_config: StorageConfig, clock: ManualClock) -> None:
    appended(storage_config, clock)
    with sqlite3.connect(storage_config.path) as raw:
        raw.execute("DROP TRIGGER audit_log_no_delete")
        raw.execute("DELETE FROM audit_log WHERE seq = 2")
    with pytest.raises(CorruptStorageError, match="audit log of .* is broken at record 2: record 2 is missing .*will not run on it"):
        Storage.open(storage_config, clock)


def test_dropped_append_only_triggers_are_restored_at_start_up_and_audited(storage_config: StorageConfig, clock: ManualClock) -> None:
    appended(storage_config, clock)
    with sqlite3.connect(storage_config.path) as raw:
        raw.execute("DROP TRIGGER audit_log_no_delete")
    with Storage.open(storage_config, clock) as storage:
        restored = storage.audit.last_of(AuditKind.TRIGGERS_RESTORED)
        assert restored is not None and restored.details == '{"triggers":["audit_log_no_delete"]}'
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            storage.db.connection.execute("DELETE FROM audit_log")
        assert storage.audit.verify().ok


def test_an_admin_command_beside_the_running_gate_shares_one_chain(storage_config: StorageConfig, clock: ManualClock) -> None:
    with Storage.open(storage_config, clock) as gate:
        gate.audit.append(AuditKind.DOOR_OVERRIDE, {"by": "gate"})
        with Storage.open(storage_config, clock) as admin:  # as 'kiosk people enroll' opens it while the gate serves
            for turn in range(3):
                gate.audit.append(AuditKind.DOOR_OVERRIDE, {"by": "gate", "turn": turn})
                admin.audit.append(AuditKind.EXPORT, {"by": "admin", "turn": turn})
        report = gate.audit.verify()
    assert (report.ok, report.records) == (True, 7)
    with Storage.open(storage_config, clock) as next_start:
        assert next_start.audit.head().seq == 7
