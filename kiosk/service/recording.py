"""The service's recorder: decisions into the event store, notable events into the audit log, both logged."""

from __future__ import annotations

import logging
from typing import Protocol

from kiosk.gate.commands import Decision
from kiosk.storage.events import DecisionRecord
from kiosk.storage.outbox import Outbox
from kiosk.storage.storage import Storage

logger = logging.getLogger("kiosk.events")

class DecisionCounter(Protocol):
    def decision(self, verdict: str, reasons: tuple[str, ...]) -> None: ...


class Publisher(Protocol):
    def message_for(self, decision: DecisionRecord, event_id: int) -> tuple[str, str]:
        """The topic and the shareable payload for the recorded decision `event_id`."""

    def pump(self, outbox: Outbox) -> None:
        """Send what waits in `outbox`, if the broker can take it now."""


START_UP = "start-up"
SHUT_DOWN = "shut-down"


class StoreRecorder:
    """Each write is committed before it returns, so the gate acts only on what is recorded.

    Logs carry reason codes and pseudonymous references, never names or credential contents.
    """

    def __init__(
        self, storage: Storage, gate_id: str, publisher: Publisher | None = None, counter: DecisionCounter | None = None
    ) -> None:
        self._counter = counter
        self._storage = storage
        self._gate_id = gate_id
        self._publisher = publisher

    def decision(self, decision: Decision, wall: float) -> None:
        record = DecisionRecord(
            at=wall,
            gate_id=self._gate_id,
            verdict=decision.verdict,  # type: ignore[arg-type]
            reasons=decision.reasons,
            subject_ref=decision.subject,
            temperature_above=decision.temperature_above,
            temperature_c=decision.temperature_c,
            message=decision.message,
            holder_id=decision.holder_id,
        )
        with self._storage.db.transaction():  # the event and its outgoing message commit together, or neither
            event_id = self._storage.events.record(record)
            if self._publisher is not None:
                self._storage.outbox.add(record.at, *self._publisher.message_for(record, event_id))
        logger.info("decision", extra={"event_id": event_id, "verdict": decision.verdict, "reasons": list(decision.reasons)})
        if self._counter is not None:
            self._counter.decision(decision.verdict, decision.reasons)
        if self._publisher is not None:
            self._publisher.pump(self._storage.outbox)  # after the commit: only what is recorded is ever shared

    def note(self, kind: str, detail: str, wall: float) -> None:
        self._storage.audit.append(kind, {"gate": self._gate_id, "detail": detail})
        logger.info(kind, extra={"detail": detail})


def last_run_was_clean(storage: Storage) -> bool:
    """False when the last run started and never recorded its shut-down: killed, crashed or power lost."""
    last = storage.audit.last_of(START_UP, SHUT_DOWN)
    return last is None or last.kind == SHUT_DOWN
