"""Schema migrations: MIGRATIONS[n] brings a database from version n to n + 1. Append, never edit."""

from __future__ import annotations

MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        # AUTOINCREMENT: an event id is never reused after a purge, so exports stay unambiguous.
        """CREATE TABLE events (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            at REAL NOT NULL,
            gate_id TEXT NOT NULL,
            verdict TEXT NOT NULL CHECK (verdict IN ('granted', 'denied')),
            reasons TEXT NOT NULL,
            subject_ref TEXT,
            temperature_above INTEGER,
            temperature_c REAL
        )""",
        "CREATE INDEX events_by_time ON events (at)",
        "CREATE INDEX events_by_subject ON events (subject_ref)",
        """CREATE TABLE people (
            person_id TEXT PRIMARY KEY,
            enrolled_at REAL NOT NULL
        )""",
        """CREATE TABLE consents (
            person_id TEXT PRIMARY KEY REFERENCES people (person_id) ON DELETE CASCADE,
            purpose TEXT NOT NULL,
            given_at REAL NOT NULL,
            expires_at REAL NOT NULL,
            recorded_by TEXT NOT NULL
        )""",
        "CREATE INDEX consents_by_expiry ON consents (expires_at)",
        """CREATE TABLE templates (
            id INTEGER PRIMARY KEY,
            person_id TEXT NOT NULL REFERENCES people (person_id) ON DELETE CASCADE,
            variant TEXT NOT NULL,
            masked INTEGER NOT NULL,
            nonce BLOB,
            embedding BLOB NOT NULL
        )""",
        "CREATE INDEX templates_by_person ON templates (person_id)",
        """CREATE TABLE audit_log (
            seq INTEGER PRIMARY KEY,
            at REAL NOT NULL,
            kind TEXT NOT NULL,
            details TEXT NOT NULL,
            prev_digest TEXT NOT NULL,
            digest TEXT NOT NULL
        )""",
        # Append-only for the kiosk's own code; someone editing the file by hand can drop these,
        # which is what the hash chain is for.
        """CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
           BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END""",
        """CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
           BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END""",
    ),
    (
        # The keyed pseudonym of the credential's holder (the enrolled person's id): decisions are keyed by
        # the credential, so without it 'people forget' could not find the visits made with a person's pass.
        "ALTER TABLE events ADD COLUMN holder_ref TEXT",
        "CREATE INDEX events_by_holder ON events (holder_ref)",
    ),
    (
        # Store and forward: a shareable message is written here in the transaction of the event it
        # describes, and deleted only when the broker has acknowledged it (PUBACK). AUTOINCREMENT keeps
        # ids (the send order) rising after deletes.
        """CREATE TABLE outbox (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            at REAL NOT NULL,
            topic TEXT NOT NULL,
            payload TEXT NOT NULL
        )""",
        "CREATE INDEX outbox_by_time ON outbox (at)",
    ),
    (
        # Nonces of remote commands already seen, so a recorded command cannot be played again after a restart.
        """CREATE TABLE command_nonces (
            nonce TEXT PRIMARY KEY,
            seen_at REAL NOT NULL
        )""",
    ),
)
