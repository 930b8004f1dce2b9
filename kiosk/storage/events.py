"""Decision events: what the gate decided, kept minimal and pseudonymous."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

from kiosk.storage.audit import AuditKind, AuditLog
from kiosk.storage.database import Database
from kiosk.storage.errors import CorruptStorageError
from kiosk.storage.keys import pseudonym

Verdict = Literal["granted", "denied"]


@dataclass(frozen=True)
class DecisionRecord:
    """One decision as the gate made it; `EventStore` decides what of it is kept.

    `reasons` are codes ("fever", "credential-expired"), never names: they go into the audit log,
    which erasure cannot touch. `message`, what the person was shown, may name them and is not stored.
    `holder_id` is the credential's pseudonymous holder (an enrolled person's id); it is stored keyed,
    like `subject_ref`, so that erasing the person finds the decisions made with their credentials.
    """

    at: float
    gate_id: str
    verdict: Verdict
    reasons: tuple[str, ...]
    subject_ref: str | None
    temperature_above: bool | None
    temperature_c: float | None
    message: str
    holder_id: str | None = None

    def __post_init__(self) -> None:
        if self.verdict not in ("granted", "denied"):
            raise ValueError(f"verdict {self.verdict!r}: expected 'granted' or 'denied'")
        if not math.isfinite(self.at):
            raise ValueError(f"decision time {self.at}: expected seconds since the epoch")


@dataclass(frozen=True)
class StoredEvent:
    """A decision as kept: `subject_ref` is the device-keyed pseudonym, never the reference itself."""

    id: int
    at: float
    gate_id: str
    verdict: str
    reasons: tuple[str, ...]
    subject_ref: str | None
    temperature_above: bool | None
    temperature_c: float | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "at": self.at,
            "gate_id": self.gate_id,
            "verdict": self.verdict,
            "reasons": list(self.reasons),
            "subject_ref": self.subject_ref,
            "temperature_above": self.temperature_above,
            "temperature_c": self.temperature_c,
        }


class EventStore:
    """Writes decisions durably, each with its audit record, before the gate acts on them."""

    def __init__(
        self, db: Database, device_key: bytes, *, record_temperature_values: bool = False, audit: AuditLog | None = None
    ) -> None:
        self._db = db
        self._key = device_key
        self._record_temperature_values = record_temperature_values
        self.audit = audit or AuditLog(db, device_key)

    def record(self, decision: DecisionRecord) -> int:
        """Commit `decision` (and its audit record); returns the event id once it is on disk."""
        subject = pseudonym(self._key, decision.subject_ref) if decision.subject_ref is not None else None
        holder = pseudonym(self._key, decision.holder_id) if decision.holder_id is not None else None
        above = None if decision.temperature_above is None else int(decision.temperature_above)
        value = decision.temperature_c if self._record_temperature_values else None
        with self._db.transaction() as connection:
            cursor = connection.execute(
                "INSERT INTO events (at, gate_id, verdict, reasons, subject_ref, holder_ref, temperature_above, temperature_c)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (decision.at, decision.gate_id, decision.verdict, json.dumps(list(decision.reasons)), subject, holder, above, value),
            )
            event_id = cursor.lastrowid
            self.audit.append(
                AuditKind.DECISION,
                {"event": event_id, "gate_id": decision.gate_id, "verdict": decision.verdict, "reasons": list(decision.reasons)},
            )
        return event_id

    def events(self, since: float = -math.inf, until: float = math.inf) -> Iterator[StoredEvent]:
        """Stored events with `since <= at < until`, oldest first."""
        rows = self._db.connection.execute(
            "SELECT id, at, gate_id, verdict, reasons, subject_ref, temperature_above, temperature_c"
            " FROM events WHERE at >= ? AND at < ? ORDER BY at, id",
            (since, until),
        )
        for event_id, at, gate, verdict, reasons, subject, above, value in rows:
            yield StoredEvent(event_id, at, gate, verdict, _reasons(event_id, reasons), subject, None if above is None else bool(above), value)

    def purge_before(self, cutoff: float) -> int:
        """Delete events older than `cutoff` (epoch s); returns how many."""
        with self._db.transaction() as connection:
            return connection.execute("DELETE FROM events WHERE at < ?", (cutoff,)).rowcount

    def unlink_person(self, person_id: str) -> int:
        """Drop every pseudonymous link from events to the person; returns how many events had one.

        That is the events whose subject is the person (a face recognised 1:N), those whose credential
        they held, and every other event of those credentials (whose subject pseudonym leads to them).
        """
        alias = pseudonym(self._key, person_id)
        with self._db.transaction() as connection:
            credentials = [ref for (ref,) in connection.execute(
                "SELECT DISTINCT subject_ref FROM events WHERE holder_ref = ? AND subject_ref IS NOT NULL", (alias,)
            )]
            marks = ", ".join("?" * (len(credentials) + 1))
            return connection.execute(
                f"UPDATE events SET subject_ref = NULL, holder_ref = NULL WHERE holder_ref = ? OR subject_ref IN ({marks})",
                (alias, alias, *credentials),
            ).rowcount


def _reasons(event_id: int, text: str) -> tuple[str, ...]:
    try:
        reasons = json.loads(text)
    except (TypeError, ValueError):
        reasons = None
    if not (isinstance(reasons, list) and all(isinstance(reason, str) for reason in reasons)):
        raise CorruptStorageError(f"event {event_id}: reasons {text!r:.80} are not the JSON list of codes the kiosk writes (edited by hand?)")
    return tuple(reasons)
