"""Power-loss stand-in: a child writing decisions is SIGKILLed at seeded points, 200 times.

The child reports an event id on a pipe only after `record()` has returned, so every reported id
was committed; between decisions it sometimes enrols or erases someone. After each kill the
database must open, pass `PRAGMA integrity_check`, hold every reported event with its audit
record, hold no half-written enrolment, and the audit chain must verify.
"""

from __future__ import annotations

import os
import random
import signal
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kiosk.storage import AuditKind, AuditLog, Consent, Database, DecisionRecord, EventStore, PeopleStore, TemplateCipher

KILLS = 200
KEY = bytes(range(32))


@dataclass(frozen=True)
class Template:
    embedding: np.ndarray
    masked: bool
    variant: str


def write_until_killed(db_path: Path, report_fd: int, child_seed: int) -> None:
    """The child's work: open the database and record decisions forever, reporting each committed id."""
    rng = random.Random(child_seed)
    db = Database.open(db_path)
    events = EventStore(db, KEY, audit=AuditLog(db, KEY))
    people = PeopleStore(db, TemplateCipher(KEY), events=events)
    while True:
        person = f"person-{rng.randrange(50)}"
        if rng.random() < 0.1:
            vectors = np.random.default_rng(rng.randrange(2**32)).standard_normal((4, 128)).astype(np.float32)
            templates = [Template(vector, index > 0, f"v{index}") for index, vector in enumerate(vectors)]
            people.enroll(person, templates, Consent("entry", 0.0, 4e9, "desk"))
        elif rng.random() < 0.05:
            people.forget(person)
        decision = DecisionRecord(
            at=1_767_225_600 + rng.random() * 1000, gate_id="north", verdict=rng.choice(["granted", "denied"]),
            reasons=("credential-valid",), subject_ref=person,
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
            half_enrolled = db.connection.execute(
                "SELECT count(*) FROM people p WHERE NOT EXISTS (SELECT 1 FROM consents c WHERE c.person_id = p.person_id)"
                " OR (SELECT count(*) FROM templates t WHERE t.person_id = p.person_id) != 4"
            ).fetchone()
            assert half_enrolled == (0,), f"kill {kill}: an enrolment was half written"
            report = AuditLog(db, KEY).verify()
            assert report.ok, f"kill {kill}: {report.problem}"
    assert len(committed) > KILLS, "the children should have committed events between kills"
    with Database.open(db_path) as db:
        kinds = {kind for (kind,) in db.connection.execute("SELECT DISTINCT kind FROM audit_log")}
    assert {AuditKind.ENROLMENT, AuditKind.ERASURE} <= kinds, "the children should also have enrolled and erased"
