"""Operator sessions: a random token in an HttpOnly cookie, a CSRF token per session, an idle limit.

Sessions live in the service's memory only: a restart logs everyone out, which is the safe side.
"""

from __future__ import annotations

import hmac
import secrets
import threading
from dataclasses import dataclass

from hardware.clock import Clock


@dataclass
class Session:
    name: str
    csrf: str
    last_used: float


class SessionStore:
    def __init__(self, idle_s: float, clock: Clock) -> None:
        self._idle_s = idle_s
        self._clock = clock
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()

    def create(self, name: str) -> tuple[str, Session]:
        token = secrets.token_urlsafe(32)
        session = Session(name, secrets.token_urlsafe(32), self._clock.monotonic())
        with self._lock:
            self._sessions[token] = session
        return token, session

    def get(self, token: str | None) -> Session | None:
        """The live session for `token`, its idle timer restarted; None when unknown or idle too long."""
        if not token:
            return None
        now = self._clock.monotonic()
        with self._lock:
            session = self._sessions.get(token)
            if session is None:
                return None
            if now - session.last_used > self._idle_s:
                del self._sessions[token]
                return None
            session.last_used = now
            return session

    def end(self, token: str | None) -> None:
        with self._lock:
            self._sessions.pop(token or "", None)


def csrf_matches(session: Session, presented: str | None) -> bool:
    return presented is not None and hmac.compare_digest(session.csrf.encode(), presented.encode())
