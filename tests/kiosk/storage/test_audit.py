"""The audit chain: intact logs verify; every kind of tampering is found at the first broken record."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from hardware.clock import ManualClock
from kiosk.storage import AuditKind, AuditLog, Database, StorageError

KEY = bytes(range(32))


@pytest.fixture
def db(tmp_path: Path):
    with Database.open(tmp_path / "kiosk.db") as opened:
        yield opened


def filled(db: Database, clock: ManualClock, key: bytes | None = KEY, records: int = 6) -> AuditLog:
    audit = AuditLog(db, key, clock)
    for index in range(records):
        clock.advance(1)
        audit.append(AuditKind.DOOR_OVERRIDE, {"index": index, "by": "operator"})
    return audit


def tamper(db: Database, *statements: str) -> None:
    """Change the file as someone with sqlite3 would: drop the append-only guards first."""
    with sqlite3.connect(db.path) as raw:
        raw.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
        raw.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
        for statement in statements:
            raw.execute(statement)


@pytest.mark.parametrize("key", [KEY, None], ids=["hmac", "sha256"])
def test_an_untouched_log_verifies(db: Database, clock: ManualClock, key: bytes | None) -> None:
    report = filled(db, clock, key).verify()
    assert (report.ok, report.records, report.keyed, report.first_broken) == (True, 6, key is not None, None)


def test_an_empty_log_verifies(db: Database) -> None:
    assert AuditLog(db, KEY).verify().ok


def test_the_log_refuses_updates_and_deletes_from_the_kiosks_own_code(db: Database, clock: ManualClock) -> None:
    filled(db, clock)
    for statement in ("UPDATE audit_log SET kind = 'x'", "DELETE FROM audit_log"):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            db.connection.execute(statement)


@pytest.mark.parametrize(
    ("statements", "first_broken", "problem"),
    [
        (["UPDATE audit_log SET details = '{\"index\":99}' WHERE seq = 3"], 3, "record 3 was altered"),
        (["UPDATE audit_log SET at = at + 1 WHERE seq = 4"], 4, "record 4 was altered"),
        (["DELETE FROM audit_log WHERE seq = 3"], 3, "record 3 is missing"),
        (["UPDATE audit_log SET seq = -2 WHERE seq = 2", "UPDATE audit_log SET seq = 2 WHERE seq = 3",
          "UPDATE audit_log SET seq = 3 WHERE seq = -2"], 2, "record 2 does not follow record 1"),
        (["DELETE FROM audit_log WHERE seq > 4"], 5, "ends at record 4 but the head file records 6"),
        (["DELETE FROM audit_log"], 1, "ends at record 0 but the head file records 6"),
    ],
    ids=["edited-details", "edited-time", "deleted", "reordered", "truncated", "emptied"],
)
def test_tampering_is_found_at_the_first_broken_record(
    db: Database, clock: ManualClock, statements: list[str], first_broken: int, problem: str
) -> None:
    audit = filled(db, clock)
    tamper(db, *statements)
    report = audit.verify()
    assert not report.ok
    assert report.first_broken == first_broken
    assert problem in report.problem


def test_a_chain_rebuilt_without_the_device_key_is_found(db: Database, clock: ManualClock) -> None:
    filled(db, clock)
    tamper(db, "DELETE FROM audit_log")
    forged = filled(db, clock, key=None)  # a plain-hash chain of the same length, head file untouched
    report = AuditLog(db, KEY).verify()
    assert (report.ok, report.first_broken) == (False, 1)
    assert forged.verify().ok is False  # even keyless, it is not the chain the head file recorded


def test_a_deleted_head_file_is_reported_and_not_silently_recreated(db: Database, clock: ManualClock) -> None:
    audit = filled(db, clock)
    audit.head_path.unlink()
    audit.append(AuditKind.DOOR_OVERRIDE, {"index": 7})
    report = audit.verify()
    assert not report.ok and "head file" in report.problem
    assert not audit.head_path.exists()


def test_a_head_file_that_lags_the_log_is_fine(db: Database, clock: ManualClock) -> None:
    audit = filled(db, clock)
    head = audit.head_path.read_text()
    audit.append(AuditKind.DOOR_OVERRIDE, {"index": 7})
    audit.head_path.write_text(head)  # as after a crash between the commit and the head update
    assert audit.verify().ok


def test_the_wrong_key_fails_at_the_first_record(db: Database, clock: ManualClock) -> None:
    filled(db, clock)
    report = AuditLog(db, b"\x00" * 32).verify()
    assert (report.ok, report.first_broken) == (False, 1)
    assert "another device key" in report.problem


def test_config_changes_are_recorded_once_per_change(db: Database, clock: ManualClock) -> None:
    audit = AuditLog(db, KEY, clock)
    assert audit.record_config("[gate]\nunlock_s = 5\n")
    assert not audit.record_config("[gate]\nunlock_s = 5\n")
    assert audit.record_config("[gate]\nunlock_s = 7\n")
    assert [r.kind for r in audit.records()] == [AuditKind.CONFIG_CHANGE] * 2


@pytest.mark.parametrize(("kind", "details"), [("Door Override", {}), ("door-override", {"when": object()})])
def test_bad_kinds_and_details_are_refused(db: Database, kind: str, details: dict) -> None:
    with pytest.raises(ValueError, match="audit"):
        AuditLog(db, KEY).append(kind, details)


def test_a_cut_log_with_its_head_file_rewritten_to_match_is_found(db: Database, clock: ManualClock) -> None:
    audit = filled(db, clock)
    tamper(db, "DELETE FROM audit_log WHERE seq > 3")
    last = audit.records()[-1]
    for forged in ({"seq": last.seq, "digest": last.digest}, {"seq": 0, "digest": "0" * 64}):
        audit.head_path.write_text(json.dumps(forged))
        report = audit.verify()
        assert not report.ok
        assert "not written under this device key" in report.problem


def test_a_digest_that_is_not_utf8_is_an_altered_record_not_a_crash(db: Database, clock: ManualClock) -> None:
    audit = filled(db, clock)
    tamper(db, "UPDATE audit_log SET digest = CAST(X'ff41' AS TEXT) WHERE seq = 2")
    report = audit.verify()
    assert (report.ok, report.first_broken) == (False, 2)
    assert report.problem == "record 2 was altered: its digest is not what the kiosk writes"


def test_one_head_reaches_the_witnesses_per_commit(db: Database, clock: ManualClock) -> None:
    heads: list[tuple[int, str]] = []

    class ListWitness:
        def publish_head(self, seq: int, digest: str) -> None:
            heads.append((seq, digest))

    audit = AuditLog(db, KEY, clock, [ListWitness()])
    with db.transaction():
        for index in range(3):
            audit.append(AuditKind.DOOR_OVERRIDE, {"index": index})
    audit.append(AuditKind.DOOR_OVERRIDE, {"index": 3})
    assert heads == [(3, audit.records()[2].digest), (4, audit.records()[3].digest)]


def test_a_chain_reset_needs_a_broken_chain_and_a_reason(db: Database, clock: ManualClock) -> None:
    audit = filled(db, clock)
    with pytest.raises(StorageError, match="intact .6 records.: there is nothing to reset"):
        audit.reset_chain("because")
    audit.head_path.unlink()
    with pytest.raises(ValueError, match="needs a reason"):
        audit.reset_chain("  ")


def test_a_chain_reset_records_the_old_head_and_the_break_and_verifies_from_there(db: Database, clock: ManualClock) -> None:
    audit = filled(db, clock)
    old_head = json.loads(audit.head_path.read_text())
    tamper(db, "UPDATE audit_log SET details = '{}' WHERE seq = 2")
    report = audit.reset_chain("ops: J. Doe, record 2 edited during repair")
    assert (report.ok, report.reset_at, report.records) == (True, 7, 7)
    reset = audit.records()[6]
    details = json.loads(reset.details)
    assert (reset.kind, reset.prev_digest) == (AuditKind.CHAIN_RESET, audit.records()[5].digest)
    assert details["previous_head"] == {"seq": 6, "digest": old_head["digest"]}
    assert (details["chain_broken_at"], details["reason"]) == (2, "ops: J. Doe, record 2 edited during repair")
    audit.append(AuditKind.DOOR_OVERRIDE, {"after": "reset"})
    assert audit.verify().ok


def test_records_before_a_reset_stay_checked(db: Database, clock: ManualClock) -> None:
    audit = filled(db, clock)
    tamper(db, "UPDATE audit_log SET details = '{}' WHERE seq = 4")
    audit.reset_chain("record 4 edited")
    tamper(db, "UPDATE audit_log SET details = '{}' WHERE seq = 1")
    report = audit.verify()
    assert (report.ok, report.first_broken) == (False, 1)
    assert "changed since the reset (the old chain broke at record 4 then, and breaks at record 1 now)" in report.problem


def test_a_reset_forged_without_the_key_is_not_a_reset(db: Database, clock: ManualClock) -> None:
    audit = filled(db, clock)
    tamper(db, "DELETE FROM audit_log WHERE seq > 3")
    AuditLog(db, None, clock).reset_chain("an attacker without the device key")
    report = audit.verify()
    assert not report.ok and report.reset_at is None
