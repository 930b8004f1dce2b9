"""Opening storage the way the gate does: config changes audited, debug capture announced."""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

import pytest

from hardware.clock import ManualClock
from kiosk.storage import AuditKind, Storage, StorageConfig, StorageError


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
