"""The append-only audit log: each record carries the digest of the one before it.

A record's digest covers its sequence number, time, kind, details and the previous digest:
SHA-256, or HMAC-SHA256 under the device key so that someone with the file but not the key
cannot rebuild the chain after editing it. Deleting the newest records leaves a valid chain, so
after every commit the newest (seq, digest) is also written to a head file beside the database
(`audit_head.py`) and handed to the witnesses that publish it off the device; `verify()` checks
the log still reaches the head. The head may lag the log (a crash between the commit and the head
write) but never lead it.

A chain found broken is never repaired. An operator may start a new chain with `reset_chain()`:
a `chain-reset` record appended after the last stored record, carrying the reason, the old head
and where the old chain broke. `verify()` then checks everything after the newest reset as a
chain of its own, and that the records before it still break exactly where the reset says.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import json
import logging
import re
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from hardware.clock import Clock, SystemClock
from kiosk.storage.audit_head import Head, HeadFile, HeadFileError, head_path_for
from kiosk.storage.database import Database
from kiosk.storage.errors import StorageError

logger = logging.getLogger(__name__)

GENESIS_DIGEST = "0" * 64
_KIND_PATTERN = re.compile(r"[a-z][a-z0-9-]*")


class AuditKind(enum.StrEnum):
    """What the kiosk records. Other modules may append their own kinds (lower-case words and dashes)."""

    DECISION = "decision"
    ENROLMENT = "enrolment"
    CONSENT_RENEWAL = "consent-renewal"
    ERASURE = "erasure"
    RETENTION_PURGE = "retention-purge"
    EXPORT = "export"
    CONFIG_CHANGE = "config-change"
    TRUST_LIST_UPDATE = "trust-list-update"
    DOOR_OVERRIDE = "door-override"
    CHAIN_RESET = "chain-reset"
    TRIGGERS_RESTORED = "audit-triggers-restored"


class HeadWitness(Protocol):
    """Somewhere off the device that is told each new head, so a rollback of database and head together shows."""

    def publish_head(self, seq: int, digest: str) -> None: ...


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
    reset_at: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "records": self.records,
            "keyed": self.keyed,
            "first_broken": self.first_broken,
            "problem": self.problem,
            "broken_record": self.broken_record.as_dict() if self.broken_record else None,
            "reset_at": self.reset_at,
        }


class AuditLog:
    """Append records and verify the chain. `device_key=None` chains with plain SHA-256."""

    def __init__(
        self, db: Database, device_key: bytes | None, clock: Clock | None = None, witnesses: Sequence[HeadWitness] = ()
    ) -> None:
        self._db = db
        self._key = device_key
        self._clock = clock or SystemClock()
        self._witnesses = tuple(witnesses)
        self._head_file = HeadFile(head_path_for(db.path), device_key)
        self._pending_head: Head | None = None
        self.head_path = self._head_file.path

    def append(self, kind: str, details: dict[str, Any]) -> int:
        """Add one record (inside the caller's transaction, if any); returns its sequence number."""
        return self._append(kind, details).seq

    def _append(self, kind: str, details: dict[str, Any]) -> Head:
        if not _KIND_PATTERN.fullmatch(kind):
            raise ValueError(f"audit kind {kind!r}: expected lower-case words joined by dashes, such as 'door-override'")
        try:
            text = json.dumps(details, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
            text.encode("utf-8")
        except (TypeError, ValueError) as err:
            raise ValueError(f"audit details for {kind!r}: {err} (expected JSON-compatible values and valid Unicode text)") from err
        at = self._clock.wall()
        with self._db.transaction() as connection:
            row = connection.execute("SELECT seq, CAST(digest AS BLOB) FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()
            seq, prev = (row[0] + 1, _text(row[1])[0]) if row else (1, GENESIS_DIGEST)
            if seq == 1 and not self._head_file.exists():
                self._head_file.write(Head(0, GENESIS_DIGEST))
            digest = self._digest(seq, at, kind, text, prev)
            connection.execute("INSERT INTO audit_log VALUES (?, ?, ?, ?, ?, ?)", (seq, at, kind, text, prev, digest))
            self._pending_head = Head(seq, digest)
            self._db.after_commit(self._commit_head)
        return Head(seq, digest)

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
        return [record for record, _ in self._load()]

    def head(self) -> Head:
        """The newest record's (seq, digest), as stored; (0, genesis) for an empty log."""
        row = self._db.connection.execute("SELECT seq, CAST(digest AS BLOB) FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()
        return Head(row[0], _text(row[1])[0]) if row else Head(0, GENESIS_DIGEST)

    def publish_head(self) -> None:
        """Tell every witness the current head (the gate does this at start-up, then after each commit)."""
        head = self.head()
        for witness in self._witnesses:
            witness.publish_head(head.seq, head.digest)

    def verify(self) -> AuditReport:
        """Walk the chain from the first record (or the newest reset); report the first record missing, moved or altered."""
        head = self._read_head()  # before the records: another process may append in between, and a lagging head is fine
        loaded = self._load()
        records = [record for record, _ in loaded]
        reset = self._newest_reset(loaded)
        if reset is None:
            report = self._walk(loaded, 1, GENESIS_DIGEST, records)
            return report if not report.ok else self._check_head(records, head, None)
        earlier = self._walk(loaded[:reset], 1, GENESIS_DIGEST, records)
        reset_record = records[reset]
        acknowledged = _reset_details(reset_record)["chain_broken_at"]  # type: ignore[index]
        if earlier.first_broken != acknowledged:
            problem = (f"the records before the chain reset at record {reset_record.seq} changed since the reset"
                       f" (the old chain broke {_at(acknowledged)} then, and breaks {_at(earlier.first_broken)} now)")
            return self._broken(records, earlier.first_broken or reset_record.seq, problem, earlier.broken_record)
        linked = records[reset - 1].digest if reset else GENESIS_DIGEST
        report = self._walk(loaded[reset:], reset_record.seq, linked, records)
        return report if not report.ok else self._check_head(records, head, reset_record)

    def reset_chain(self, reason: str) -> AuditReport:
        """Start a new chain after a broken one, recording why and what the old head was; refused for an intact chain."""
        if not reason.strip():
            raise ValueError("a chain reset needs a reason (who decided it, and why)")
        before = self.verify()
        if before.ok:
            raise StorageError(f"the audit chain is intact ({before.records} records): there is nothing to reset")
        loaded = self._load()
        old_head = self._read_head()
        previous: dict[str, Any] | None = None
        if isinstance(old_head, HeadFileError):
            previous = {"unusable": str(old_head)}
        elif old_head is not None:
            previous = {"seq": old_head.seq, "digest": old_head.digest}
        details = {
            "reason": reason,
            "previous_head": previous,
            "problem": before.problem,
            "chain_broken_at": self._walk(loaded, 1, GENESIS_DIGEST, []).first_broken,
        }
        with self._db.transaction():
            head = self._append(AuditKind.CHAIN_RESET, details)
            self._db.after_commit(lambda: self._head_file.write(head))  # replaces the old head, even an unusable one
        logger.warning("audit chain reset at record %d: %s", head.seq, reason)
        return self.verify()

    def _load(self) -> list[tuple[AuditRecord, str | None]]:
        """Every record, with the name of the field that is not what the kiosk writes (None when all are)."""
        query = "SELECT seq, at, kind, details, prev_digest, digest FROM audit_log ORDER BY seq"
        try:
            rows = self._db.connection.execute(query).fetchall()
            if all(type(row[1]) is float and all(type(v) is str for v in row[2:]) for row in rows):
                return [(AuditRecord(*row), None) for row in rows]
        except sqlite3.OperationalError:  # a TEXT column holding bytes that are not UTF-8
            pass
        return self._load_field_by_field()

    def _load_field_by_field(self) -> list[tuple[AuditRecord, str | None]]:
        """The slow path for a log someone edited: each text read as bytes, each field checked on its own."""
        rows = self._db.connection.execute(
            "SELECT seq, at, CAST(kind AS BLOB), CAST(details AS BLOB), CAST(prev_digest AS BLOB), CAST(digest AS BLOB)"
            " FROM audit_log ORDER BY seq"
        )
        loaded = []
        for seq, at, *raw in rows:
            texts = [_text(value) for value in raw]
            malformed = next((name for name, (_, ok) in zip(_TEXT_FIELDS, texts) if not ok), None)
            if not isinstance(at, (int, float)) or isinstance(at, bool):
                malformed, at = malformed or "time", 0.0
            kind, details, prev, digest = (text for text, _ in texts)
            loaded.append((AuditRecord(seq, float(at), kind, details, prev, digest), malformed))
        return loaded

    def _newest_reset(self, loaded: list[tuple[AuditRecord, str | None]]) -> int | None:
        """Index of the newest chain-reset record whose own digest holds and whose details say where the old chain broke."""
        for index in range(len(loaded) - 1, -1, -1):
            record, malformed = loaded[index]
            if record.kind == AuditKind.CHAIN_RESET and malformed is None and self._holds(record, record.prev_digest):
                if _reset_details(record) is not None:
                    return index
        return None

    def _walk(self, loaded: list[tuple[AuditRecord, str | None]], first_seq: int, prev: str, everything: list[AuditRecord]) -> AuditReport:
        keyed = self._key is not None
        expected_seq = first_seq
        for record, malformed in loaded:
            if record.seq != expected_seq:
                return self._broken(everything, expected_seq, f"record {expected_seq} is missing (the next one is {record.seq})", record)
            if malformed:
                return self._broken(everything, record.seq, f"record {record.seq} was altered: its {malformed} is not what the kiosk writes", record)
            if record.prev_digest != prev:
                problem = f"record {record.seq} does not follow record {record.seq - 1} (moved, or a record before it was replaced)"
                return self._broken(everything, record.seq, problem, record)
            if not self._holds(record, prev):
                why = " or was written under another device key" if keyed else " or was written with an HMAC key"
                return self._broken(everything, record.seq, f"record {record.seq} was altered{why}", record)
            expected_seq, prev = record.seq + 1, record.digest
        return AuditReport(ok=True, records=len(everything), keyed=keyed)

    def _holds(self, record: AuditRecord, prev: str) -> bool:
        return hmac.compare_digest(self._digest(record.seq, record.at, record.kind, record.details, prev), record.digest)

    def _read_head(self) -> Head | HeadFileError | None:
        try:
            return self._head_file.read()
        except HeadFileError as err:
            return err

    def _check_head(self, records: list[AuditRecord], head: Head | HeadFileError | None, reset: AuditRecord | None) -> AuditReport:
        if isinstance(head, HeadFileError):
            return self._broken(records, None, f"{head}, so truncation cannot be ruled out")
        reset_at = reset.seq if reset else None
        if head is None:
            if records:
                return self._broken(records, None, f"head file {str(self.head_path)!r} is missing, so truncation cannot be ruled out")
            return AuditReport(ok=True, records=0, keyed=self._key is not None)
        last = records[-1].seq if records else 0
        if head.seq > last:
            return self._broken(records, last + 1, f"the log ends at record {last} but the head file records {head.seq} (truncated)")
        if reset_at is not None and head.seq < reset_at:
            return self._broken(records, None, f"the head file records {head.seq}, older than the chain reset at record {reset_at}")
        named = next((record for record in records if record.seq == head.seq), None)
        if head.seq and (named is None or named.digest != head.digest):
            return self._broken(records, head.seq, f"record {head.seq} is not the one the head file recorded (replaced)", named)
        return AuditReport(ok=True, records=len(records), keyed=self._key is not None, reset_at=reset_at)

    def _broken(self, records: list[AuditRecord], seq: int | None, problem: str, record: AuditRecord | None = None) -> AuditReport:
        return AuditReport(False, len(records), self._key is not None, seq, problem, record)

    def _digest(self, seq: int, at: float, kind: str, details: str, prev: str) -> str:
        payload = _COMPACT_JSON.encode([seq, at, kind, details, prev]).encode("utf-8")
        if self._key is None:
            return hashlib.sha256(payload).hexdigest()
        return hmac.digest(self._key, b"audit\0" + payload, "sha256").hex()

    def _commit_head(self) -> None:
        """Advance the head file and tell the witnesses: once per commit, with the newest record of the batch."""
        head, self._pending_head = self._pending_head, None
        if head is None:
            return  # an earlier callback of the same commit already did it
        current = self._read_head()
        # A missing or untrustworthy head stays as it is: rewriting it would hide a truncation from verify().
        if isinstance(current, Head) and current.seq < head.seq:
            self._head_file.write(head)
        for witness in self._witnesses:
            witness.publish_head(head.seq, head.digest)


def _reset_details(reset: AuditRecord) -> dict[str, Any] | None:
    """A chain reset's details, or None when they lack `chain_broken_at` (a record number, or null)."""
    try:
        details = json.loads(reset.details)
    except ValueError:
        return None
    if not isinstance(details, dict) or "chain_broken_at" not in details:
        return None
    broken_at = details["chain_broken_at"]
    return details if broken_at is None or type(broken_at) is int else None


def _at(seq: int | None) -> str:
    return f"at record {seq}" if seq else "nowhere"


_COMPACT_JSON = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)
_TEXT_FIELDS = ("kind", "details", "previous digest", "digest")


def _text(value: bytes | None) -> tuple[str, bool]:
    """Decode a TEXT column read as bytes; False when it is missing or not UTF-8 (the kiosk writes neither)."""
    if value is None:
        return "", False
    try:
        return value.decode("utf-8"), True
    except UnicodeDecodeError:
        return value.decode("utf-8", "replace"), False
