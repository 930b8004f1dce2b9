"""One `kiosk run` per database: a second process is refused before it touches the door or the database."""

from __future__ import annotations

import json
import select
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hardware.clock import ManualClock
from kiosk.storage import AuditKind, Storage, StorageConfig

DEADLINE_S = 60.0


@pytest.fixture
def config(tmp_path: Path) -> Path:
    (tmp_path / "trust" / "kiosk").mkdir(parents=True)
    path = tmp_path / "kiosk.toml"
    path.write_text(
        f"""
[gate]
checks = ["credential"]
[credentials]
trust_dir = "{tmp_path / 'trust'}"
[clock]
require_sync = false  # a simulated gate on a test machine that runs neither timesyncd nor chrony
[storage]
path = "{tmp_path / 'kiosk.db'}"
device_key_file = "{tmp_path / 'device.key'}"
[door]
driver = "simulated"
edges_file = "{tmp_path / 'edges.jsonl'}"
"""
    )
    return path


def run(config: Path, **options: object) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "kiosk", "run", "--config", str(config)], text=True, **options)  # type: ignore[call-overload]


def wait_until_serving(process: subprocess.Popen[str]) -> None:
    """Read the JSON log on stdout until the 'serving' line (a deadline, not a timing assert)."""
    assert process.stdout is not None
    give_up = time.monotonic() + DEADLINE_S
    while (remaining := give_up - time.monotonic()) > 0:
        ready, _, _ = select.select([process.stdout], [], [], remaining)
        line = process.stdout.readline() if ready else ""
        if not line and process.poll() is not None:
            pytest.fail(f"kiosk run exited with {process.returncode} before serving")
        if line.startswith("{") and json.loads(line)["msg"] == "serving":
            return
    pytest.fail("kiosk run did not report serving in time")


def audit_rows(db: Path) -> list[tuple[int, str, str]]:
    with sqlite3.connect(db) as connection:
        return connection.execute("SELECT seq, kind, details FROM audit_log ORDER BY seq").fetchall()


def test_a_second_run_on_the_same_database_is_refused_and_writes_nothing(config: Path, tmp_path: Path) -> None:
    db, edges = tmp_path / "kiosk.db", tmp_path / "edges.jsonl"
    first = run(config, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        wait_until_serving(first)
        rows, edge_bytes = audit_rows(db), edges.read_bytes()
        second = run(config, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        out, err = second.communicate(timeout=DEADLINE_S)
        assert second.returncode == 5
        assert err == f"kiosk: database {db} is in use by another kiosk process (pid {first.pid})\n"
        assert (audit_rows(db), edges.read_bytes()) == (rows, edge_bytes)
    finally:
        first.send_signal(signal.SIGTERM)
        assert first.wait(timeout=DEADLINE_S) == 0
    runs = [(kind, json.loads(text)["detail"]) for _, kind, text in audit_rows(db) if kind in ("start-up", "shut-down")]
    assert runs == [("start-up", "relay driven locked"), ("shut-down", "relay driven locked")]  # no false "did not shut down"


def test_run_refuses_a_new_database_while_the_old_audit_head_remains(config: Path, tmp_path: Path) -> None:
    db = tmp_path / "kiosk.db"
    with Storage.open(StorageConfig(path=db, device_key_file=tmp_path / "device.key"), ManualClock()) as storage:
        storage.audit.append(AuditKind.DOOR_OVERRIDE, {"by": "operator"})
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    refused = run(config, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, err = refused.communicate(timeout=DEADLINE_S)
    assert refused.returncode == 4
    assert err.startswith(f"kiosk: database '{db}' does not exist but the audit head") and err.count("\n") == 1
    assert not db.exists()
    relay = [json.loads(line)["active"] for line in (tmp_path / "edges.jsonl").read_text().splitlines() if '"relay"' in line]
    assert relay and not any(relay), "the relay is driven locked and never released"
