"""Nonces of signed remote commands already seen: a command is run at most once, across restarts."""

from __future__ import annotations

import sqlite3

from kiosk.storage.database import Database


class NonceStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    def claim(self, nonce: str, now: float) -> bool:
        """Record `nonce`; False when it was recorded before (a replay)."""
        try:
            with self._db.transaction() as connection:
                connection.execute("INSERT INTO command_nonces (nonce, seen_at) VALUES (?, ?)", (nonce, now))
        except sqlite3.IntegrityError:
            return False
        return True

    def forget_before(self, cutoff: float) -> int:
        """Drop nonces seen before `cutoff` (epoch s): commands that old are refused as stale anyway."""
        with self._db.transaction() as connection:
            return connection.execute("DELETE FROM command_nonces WHERE seen_at < ?", (cutoff,)).rowcount
