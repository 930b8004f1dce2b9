"""The audit head leaves the process after every commit: to a syslog datagram socket and to the log."""

from __future__ import annotations

import dataclasses
import logging
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from hardware.clock import ManualClock
from kiosk.storage import AuditKind, Storage, StorageConfig


@pytest.fixture
def syslog(tmp_path: Path) -> Iterator[tuple[Path, socket.socket]]:
    """A real AF_UNIX datagram socket standing in for /dev/log."""
    path = tmp_path / "log"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    server.bind(str(path))
    server.settimeout(5)
    yield path, server
    server.close()


def test_every_commit_sends_the_new_head_to_syslog(storage_config: StorageConfig, clock: ManualClock, syslog: tuple[Path, socket.socket]) -> None:
    path, server = syslog
    config = dataclasses.replace(storage_config, audit_syslog=str(path))
    with Storage.open(config, clock) as storage:
        at_start = server.recv(4096).decode()
        storage.audit.append(AuditKind.DOOR_OVERRIDE, {"by": "operator"})
        after_commit = server.recv(4096).decode()
        head = storage.audit.head()
    assert at_start.startswith("<37>kiosk-audit[") and at_start.endswith(f"database={config.path} seq=0 digest={'0' * 64}")
    assert after_commit.endswith(f"audit-head database={config.path} seq={head.seq} digest={head.digest}")
    assert head.seq == 1


def test_a_missing_syslog_socket_leaves_the_head_in_the_log(
    storage_config: StorageConfig, clock: ManualClock, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config = dataclasses.replace(storage_config, audit_syslog=str(tmp_path / "absent"))
    with caplog.at_level(logging.INFO, logger="kiosk.storage"), Storage.open(config, clock) as storage:
        storage.audit.append(AuditKind.DOOR_OVERRIDE, {"by": "operator"})
        head = storage.audit.head()
    lines = [record for record in caplog.records if record.getMessage() == "audit head"]
    assert [(line.seq, line.digest) for line in lines][-1] == (head.seq, head.digest)  # type: ignore[attr-defined]


def test_a_syslog_socket_that_goes_away_does_not_stop_the_commits(
    storage_config: StorageConfig, clock: ManualClock, syslog: tuple[Path, socket.socket], caplog: pytest.LogCaptureFixture
) -> None:
    path, server = syslog
    with Storage.open(dataclasses.replace(storage_config, audit_syslog=str(path)), clock) as storage:
        server.close()
        path.unlink()
        with caplog.at_level(logging.WARNING, logger="kiosk.storage"):
            for index in range(3):
                storage.audit.append(AuditKind.DOOR_OVERRIDE, {"index": index})
        assert storage.audit.verify().ok
    assert caplog.text.count("not sent to syslog socket") == 1
