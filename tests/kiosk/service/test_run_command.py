"""`kiosk run` as a process on simulated devices: SIGKILL while unlocked, restart, SIGTERM."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

DEADLINE_S = 60.0


def wait_for(condition: Callable[[], bool], what: str) -> None:
    """Poll a condition on another process's output files until it holds (a deadline, not a timing assert)."""
    give_up = time.monotonic() + DEADLINE_S
    while not condition():
        if time.monotonic() > give_up:
            pytest.fail(f"gave up waiting for {what}")
        time.sleep(0.05)


def edges(path: Path) -> list[dict[str, object]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def relay(path: Path) -> list[bool]:
    return [bool(edge["active"]) for edge in edges(path) if edge["output"] == "relay"]


def latest_audit(db: Path, kind: str) -> str | None:
    with sqlite3.connect(db) as connection:
        row = connection.execute("SELECT details FROM audit_log WHERE kind = ? ORDER BY seq DESC LIMIT 1", (kind,)).fetchone()
    return row[0] if row else None


@pytest.fixture
def config(tmp_path: Path) -> Path:
    (tmp_path / "trust" / "kiosk").mkdir(parents=True)
    path = tmp_path / "kiosk.toml"
    path.write_text(
        f"""
[gate]
checks = ["credential"]
exit_unlock_s = 60
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
[[door.script]]
at_s = 0.3
input = "exit_button"
active = true
"""
    )
    return path


def start(config: Path, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen([sys.executable, "-m", "kiosk", "run", "--config", str(config)], stdout=out, stderr=out)


def test_killed_while_unlocked_the_next_run_locks_first_and_records_it(config: Path, tmp_path: Path) -> None:
    edges_file, db, log = tmp_path / "edges.jsonl", tmp_path / "kiosk.db", tmp_path / "run.log"
    first = start(config, log)
    try:
        wait_for(lambda: True in relay(edges_file), "the exit button to unlock the door")
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
    assert relay(edges_file)[-1] is True, "killed while unlocked: nothing had the chance to lock"
    seen = len(edges(edges_file))

    second = start(config, log)
    try:
        wait_for(lambda: len(edges(edges_file)) > seen, "the restarted gate to drive the relay")
        assert edges(edges_file)[seen]["output"] == "relay" and edges(edges_file)[seen]["active"] is False
        wait_for(lambda: "previous run ended without shutting down" in (latest_audit(db, "start-up") or ""), "the start-up record")
    finally:
        second.send_signal(signal.SIGTERM)
        assert second.wait(timeout=DEADLINE_S) == 0, log.read_text()
    assert relay(edges_file)[-1] is False
    assert latest_audit(db, "shut-down") is not None

    third = start(config, log)
    try:
        wait_for(lambda: latest_audit(db, "start-up") == json.dumps({"detail": "relay driven locked", "gate": "main-entrance"}, separators=(",", ":"), sort_keys=True), "a clean start-up record")
    finally:
        third.send_signal(signal.SIGINT)
        assert third.wait(timeout=DEADLINE_S) == 0, log.read_text()
