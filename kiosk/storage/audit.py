"""The append-only audit log: each record carries the digest of the one before it.

A record's digest covers its sequence number, time, kind, details and the previous digest:
SHA-256, or HMAC-SHA256 under the device key so that someone with the file but not the key
cannot rebuild the chain after editing it. Deleting the newest records leaves a valid chain, so
after every commit the newest (seq, digest) is also written to a head file beside the database;
`verify()` checks the log still reaches it. The head may lag the log (a crash between the commit
and the head write) but never lead it.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import json
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hardware.clock import Clock, SystemClock
from kiosk.storage.database import Database

GENESIS_DIGEST = "0" * 64
_KIND_PATTERN = re.compile(r"[a-z][a-z0-9-]*")


class AuditKind(enum.StrEnum):
    """What the kiosk records. Other modules may append their own kinds (lower-case words and dashes)."""

    DECISION = "decision"
    ENROLMENT = "enrolment"
    ERASURE = "erasure"
    RETENTION_PURGE = "retention-purge"
    EXPORT = "export"
    CONFIG_CHANGE = "config-change"
    TRUST_LIST_UPDATE = "trust-list-update"
    DOOR_OVERRIDE = "door-override"


@dataclass(frozen=True)
class AuditRecord:
    seq: int
    at: float
    kind: str
    details: str
    prev_digest: str
    digest: str

    def as_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "at": self.at, "kind": self.kind, "details": self.details}


@dataclass(frozen=True)
class AuditReport:
    """The outcome of `AuditLog.verify()`: intact, or where and how the chain breaks."""

    ok: bool
    records: int
    keyed: bool
    first_broken: int | None = None
    problem: str | None = None
    broken_record: AuditRecord | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "records": self.records,
            "keyed": self.keyed,
            "first_broken": self.first_broken,
            "problem": self.problem,
            "broken_record": self.broken_record.as_dict() if self.broken_record else None,
        }


class AuditLog:
    """Append records and verify the chain. `device_key=None` chains with plain SHA-256."""

    def __init__(self, db: Database, device_key: bytes | None, clock: Clock | None = None) -> None:
        self._db = db
        self._key = device_key
        self._clock = clock or SystemClock()
        self.head_path = db.path.with_name(db.path.name + "-audit-head")

    def append(self, kind: str, details: dict[str, Any]) -> int:
        """Add one record (inside the caller's transaction, if any); returns its sequence number."""
        if not _KIND_PATTERN.fullmatch(kind):
            raise ValueError(f"audit kind {kind!r}: expected lower-case words joined by dashes, such as 'door-override'")
        try:
            text = json.dumps(details, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
        except (TypeError, ValueError) as err:
            raise ValueError(f"audit details for {kind!r}: {err} (expected JSON-compatible values)") from err
        at = self._clock.wall()
        with self._db.transaction() as connection:
            row = connection.execute("SELECT seq, digest FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()
            seq, prev = (row[0] + 1, row[1]) if row else (1, GENESIS_DIGEST)
            if seq == 1 and not self.head_path.exists():
                self._write_head(0, GENESIS_DIGEST)
            digest = self._digest(seq, at, kind, text, prev)
            connection.execute("INSERT INTO audit_log VALUES (?, ?, ?, ?, ?, ?)", (seq, at, kind, text, prev, digest))
            self._db.after_commit(lambda: self._advance_head(seq, digest))
        return seq

    def record_config(self, config_text: str) -> bool:
        """Append a config-change record when `config_text` differs from the last one recorded."""
        digest = hashlib.sha256(config_text.encode("utf-8")).hexdigest()
        with self._db.transaction() as connection:
            row = connection.execute(
                "SELECT details FROM audit_log WHERE kind = ? ORDER BY seq DESC LIMIT 1", (AuditKind.CONFIG_CHANGE,)
            ).fetchone()
            if row and json.loads(row[0]).get("sha256") == digest:
                return False
            self.append(AuditKind.CONFIG_CHANGE, {"sha256": digest})
        return True

    def last_of(self, *kinds: str) -> AuditRecord | None:
        """The newest record of one of `kinds`, or None when there is none."""
        marks = ", ".join("?" * len(kinds))
        row = self._db.connection.execute(
            f"SELECT seq, at, kind, details, prev_digest, digest FROM audit_log WHERE kind IN ({marks}) ORDER BY seq DESC LIMIT 1",
            kinds,
        ).fetchone()
        return AuditRecord(*row) if row else None

    def records(self) -> list[AuditRecord]:
        rows = self._db.connection.execute("SELECT seq, at, kind, details, prev_digest, digest FROM audit_log ORDER BY seq")
        return [AuditRecord(*row) for row in rows]

    def verify(self) -> AuditReport:
        """Walk the chain from the first record; report the first one that is missing, moved or altered."""
        records = self.records()
        keyed = self._key is not None
        expected_seq, prev = 1, GENESIS_DIGEST
        for record in records:
            if record.seq != expected_seq:
                return self._broken(records, expected_seq, f"record {expected_seq} is missing (the next one is {record.seq})", record)
            if record.prev_digest != prev:
                problem = f"record {record.seq} does not follow record {record.seq - 1} (moved, or a record before it was replaced)"
                return self._broken(records, record.seq, problem, record)
            if not hmac.compare_digest(self._digest(record.seq, record.at, record.kind, record.details, prev), record.digest):
                why = " or was written under another device key" if keyed else " or was written with an HMAC key"
                return self._broken(records, record.seq, f"record {record.seq} was altered{why}", record)
            expected_seq, prev = record.seq + 1, record.digest
        return self._check_head(records)

    def _check_head(self, records: list[AuditRecord]) -> AuditReport:
        head = self._read_head()
        if head is None:
            if records:
                return self._broken(records, None, f"head file {str(self.head_path)!r} is missing or unreadable, so truncation cannot be ruled out")
            return AuditReport(ok=True, records=0, keyed=self._key is not None)
        head_seq, head_digest = head
        if head_seq > len(records):
            return self._broken(records, len(records) + 1, f"the log ends at record {len(records)} but the head file records {head_seq} (truncated)")
        if head_seq and records[head_seq - 1].digest != head_digest:
            return self._broken(records, head_seq, f"record {head_seq} is not the one the head file recorded (replaced)", records[head_seq - 1])
        return AuditReport(ok=True, records=len(records), keyed=self._key is not None)

    def _broken(self, records: list[AuditRecord], seq: int | None, problem: str, record: AuditRecord | None = None) -> AuditReport:
        return AuditReport(False, len(records), self._key is not None, seq, problem, record)

    def _digest(self, seq: int, at: float, kind: str, details: str, prev: str) -> str:
        payload = json.dumps([seq, at, kind, details, prev], separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        if self._key is None:
            return hashlib.sha256(payload).hexdigest()
        return hmac.new(self._key, b"audit\0" + payload, hashlib.sha256).hexdigest()

    def _read_head(self) -> tuple[int, str] | None:
        try:
            head = json.loads(self.head_path.read_text(encoding="utf-8"))
            return int(head["seq"]), str(head["digest"])
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def _advance_head(self, seq: int, digest: str) -> None:
        # A missing head stays missing: recreating it would hide a truncation from verify().
        current = self._read_head()
        if current is not None and current[0] < seq:
            self._write_head(seq, digest)

    def _write_head(self, seq: int, digest: str) -> None:
        """Replace the head file atomically: it holds either the old head or the new one, never a torn one."""
        descriptor, temporary = tempfile.mkstemp(dir=self.head_path.parent, prefix=self.head_path.name + ".")
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8") as file:
                json.dump({"seq": seq, "digest": digest}, file)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, self.head_path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
