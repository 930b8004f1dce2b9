"""Retention: delete what has outlived its purpose, at start-up and then every hour."""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.storage.audit import AuditKind
from kiosk.storage.captures import DebugCapture
from kiosk.storage.events import EventStore
from kiosk.storage.outbox import Outbox
from kiosk.storage.people import PeopleStore

PURGE_INTERVAL_S = 3600.0


@dataclass(frozen=True)
class PurgeResult:
    events: int
    people: int
    frames: int
    outbox: int = 0  # messages for the broker that outlived the retention period undelivered


class Retention:
    """Purges old events (and their undelivered outbox messages), people whose consent expired, and old debug frames.

    Time comes in as `now`.
    """

    def __init__(
        self,
        events: EventStore,
        people: PeopleStore,
        retention_days: float,
        captures: DebugCapture | None = None,
        outbox: Outbox | None = None,
    ) -> None:
        self._events = events
        self._outbox = outbox
        self._people = people
        self._retention_s = retention_days * 86400
        self._captures = captures
        self._last_run: float | None = None

    def purge(self, now: float) -> PurgeResult:
        """Delete everything due at `now` (epoch s); an audit record says how much, when anything went."""
        result = PurgeResult(
            events=self._events.purge_before(now - self._retention_s),
            people=self._people.forget_expired(now),
            frames=self._captures.purge(now) if self._captures else 0,
            outbox=self._outbox.purge_before(now - self._retention_s) if self._outbox else 0,
        )
        if result.outbox:
            self._events.audit.append(AuditKind.RETENTION_PURGE, {"events": result.events, "frames": result.frames, "outbox": result.outbox})
        elif result.events or result.frames:
            self._events.audit.append(AuditKind.RETENTION_PURGE, {"events": result.events, "frames": result.frames})
        self._last_run = now
        return result

    def run_if_due(self, now: float) -> PurgeResult | None:
        """Purge on the first call (start-up) and then once `PURGE_INTERVAL_S` has passed (or the clock went back)."""
        if self._last_run is not None and self._last_run <= now < self._last_run + PURGE_INTERVAL_S:
            return None
        return self.purge(now)
