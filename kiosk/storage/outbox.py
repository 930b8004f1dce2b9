"""The outbox: messages for the MQTT broker, kept in the database until the broker acknowledges them.

A message is added in the transaction that records what it describes, so a restart, a crash or a
broker outage delays it but cannot lose it. Ids rise in the order messages were added, which is
the order they are sent in. Retention bounds the table: a message older than the events it
describes is deleted with them, sent or not.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from kiosk.storage.database import Database


@dataclass(frozen=True)
class OutboxMessage:
    id: int
    at: float
    topic: str
    payload: str


class Outbox:
    def __init__(self, db: Database) -> None:
        self._db = db

    def add(self, at: float, topic: str, payload: str) -> int:
        """Queue `payload` for `topic`; joins the caller's transaction when there is one."""
        with self._db.transaction() as connection:
            cursor = connection.execute("INSERT INTO outbox (at, topic, payload) VALUES (?, ?, ?)", (at, topic, payload))
            return cursor.lastrowid

    def oldest(self, limit: int, after_id: int = 0) -> list[OutboxMessage]:
        """Up to `limit` messages with an id above `after_id`, in the order they were added."""
        rows = self._db.connection.execute(
            "SELECT id, at, topic, payload FROM outbox WHERE id > ? ORDER BY id LIMIT ?", (after_id, limit)
        )
        return [OutboxMessage(*row) for row in rows]

    def remove(self, ids: Iterable[int]) -> int:
        """Delete the acknowledged messages `ids`; returns how many were still there."""
        wanted = [(message_id,) for message_id in ids]
        with self._db.transaction() as connection:
            before = connection.total_changes
            connection.executemany("DELETE FROM outbox WHERE id = ?", wanted)
            return connection.total_changes - before

    def depth(self) -> int:
        """How many messages wait for the broker."""
        return self._db.connection.execute("SELECT count(*) FROM outbox").fetchone()[0]

    def purge_before(self, cutoff: float) -> int:
        """Delete messages about anything older than `cutoff` (epoch s), delivered or not; returns how many."""
        with self._db.transaction() as connection:
            return connection.execute("DELETE FROM outbox WHERE at < ?", (cutoff,)).rowcount


@dataclass(frozen=True)
class OutboxSummary:
    depth: int
    oldest_at: float | None


def read_summary(database: Path) -> OutboxSummary | None:
    """Depth and oldest message of the outbox in `database`, read-only (a running gate may hold it); None without one."""
    if not database.is_file():
        return None
    try:
        with contextlib.closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as connection:
            depth, oldest = connection.execute("SELECT count(*), min(at) FROM outbox").fetchone()
    except sqlite3.Error:
        return None  # not migrated yet (no outbox table), or unreadable: the storage probe speaks to that
    return OutboxSummary(depth, oldest)
