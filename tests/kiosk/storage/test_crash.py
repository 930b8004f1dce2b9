"""Power-loss stand-in: a child writing decisions is SIGKILLed at seeded points, 200 times.

The child reports an event id on a pipe only after `record()` has returned, so every reported id
was committed. After each kill the database must open, pass `PRAGMA integrity_check`, hold every
reported event with its audit record, and the audit chain must verify.
"""

from __future__ import annotations

import os
import random
import signal
from pathlib import Path

from kiosk.storage import AuditKind, AuditLog, Database, DecisionRecord, EventStore

KILLS = 200
KEY = bytes(range(32))


def write_until_killed(db_path: Path, report_fd: int, child_seed: int) -> None:
    """The child's work: open the database and record decisions forever, reporting each committed id."""
    rng = random.Random(child_seed)
    db = Database.open(db_path)
    events = EventStore(db, KEY, audit=AuditLog(db, KEY))
    while True:
        decision = DecisionRecord(
            at=1_767_225_600 + rng.random() * 1000, gate_id="north", verdict=rng.choice(["granted", "denied"]),
            reasons=("credential-valid",), subject_ref=f"person-{rng.randrange(50)}",
            temperature_above=rng.random() < 0.1, temperature_c=None, message="",
        )
        event_id = events.record(decision)
        os.write(report_fd, f"{event_id}\n".encode())


def run_child_and_kill(db_path: Path, reports_before_kill: int, child_seed: int) -> set[int]:
    """Fork a writer, SIGKILL it once it has reported `reports_before_kill` ids; return every id it reported."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: never returns into pytest
        os.close(read_fd)
        try:
            write_until_killed(db_path, write_fd, child_seed)
        finally:
            os._exit(1)
    os.close(write_fd)
    received = b""
    with os.fdopen(read_fd, "rb", buffering=0) as pipe:
        while received.count(b"\n") < reports_before_kill:
            chunk = pipe.read(4096)
            if not chunk:
                break
            received += chunk
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        received += pipe.read()  # ids reported between our last read and the kill
    return {int(line) for line in received.splitlines()}


def test_committed_events_survive_sigkill_at_random_points(tmp_path: Path) -> None:
    rng = random.Random(20260124)
    db_path = tmp_path / "kiosk.db"
    committed: set[int] = set()
    for kill in range(KILLS):
        committed |= run_child_and_kill(db_path, rng.randrange(0, 5), rng.randrange(2**32))
        with Database.open(db_path) as db:
            assert db.connection.execute("PRAGMA integrity_check").fetchone() == ("ok",), f"kill {kill}"
            stored = {event_id for (event_id,) in db.connection.execute("SELECT id FROM events")}
            assert committed <= stored, f"kill {kill}: committed events lost: {sorted(committed - stored)[:5]}"
            audited = db.connection.execute("SELECT count(*) FROM audit_log WHERE kind = ?", (AuditKind.DECISION,)).fetchone()
            assert audited == (len(stored),), f"kill {kill}: events and their audit records disagree"
            report = AuditLog(db, KEY).verify()
            assert report.ok, f"kill {kill}: {report.problem}"
    assert len(committed) > KILLS, "the children should have committed events between kills"
