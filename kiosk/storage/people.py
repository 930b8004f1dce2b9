"""Enrolled people: face embeddings only (never photos), each enrolment tied to a consent record."""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from hardware.clock import Clock, SystemClock
from kiosk.storage.audit import AuditKind
from kiosk.storage.database import Database
from kiosk.storage.events import EventStore
from kiosk.storage.errors import StorageError
from kiosk.storage.keys import TemplateCipher

EMBEDDING_SIZE = 128

logger = logging.getLogger(__name__)


class Template(Protocol):
    """What the face pipeline hands over for enrolment."""

    @property
    def embedding(self) -> np.ndarray: ...

    @property
    def masked(self) -> bool: ...

    @property
    def variant(self) -> str: ...


@dataclass(frozen=True)
class Consent:
    """A person's consent: what for, when given, until when (epoch s), and which staff member recorded it."""

    purpose: str
    given_at: float
    expires_at: float
    recorded_by: str

    def problems(self) -> list[str]:
        found = []
        if not self.purpose.strip():
            found.append("consent purpose is empty (expected what the data is used for)")
        if not self.recorded_by.strip():
            found.append("consent recorded_by is empty (expected who recorded the consent)")
        if not (math.isfinite(self.given_at) and math.isfinite(self.expires_at)) or self.expires_at <= self.given_at:
            found.append(f"consent expires at {self.expires_at} before it is given at {self.given_at} (expected a later expiry)")
        return found


@dataclass(frozen=True)
class Person:
    person_id: str
    enrolled_at: float
    templates: int
    consent: Consent


@dataclass(frozen=True)
class Erasure:
    """What `forget` removed: the enrolment (if any), its templates, and links from decision events."""

    person_found: bool
    templates: int
    events_unlinked: int

    @property
    def erased_anything(self) -> bool:
        return self.person_found or self.events_unlinked > 0


class AlreadyEnrolled(ValueError):
    """An enrolment would silently replace someone's templates."""


PERSON_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")


def person_id_problem(person_id: str) -> str | None:
    """Why `person_id` is not a pseudonymous id, or None.

    Ids are codes such as a pass's subject id (`holder-7f3a`): lowercase letters, digits and dashes, up
    to 64. That refuses a name written as a name ("Alice Smith", "Smith, A."), not a code that happens to
    spell one; the privacy report says so.
    """
    if PERSON_ID.fullmatch(person_id):
        return None
    return (f"person id {person_id!r}: expected a pseudonymous code of lowercase letters, digits and dashes (at most 64),"
            " such as the subject id on the person's pass, never a name")


class PeopleStore:
    """Enrol, list, forget and load people. `cipher=None` stores embeddings unencrypted.

    `events` is where erasure removes the person's pseudonymous links; its audit log records
    enrolments and erasures.
    """

    def __init__(self, db: Database, cipher: TemplateCipher | None, *, events: EventStore, clock: Clock | None = None) -> None:
        self._db = db
        self._cipher = cipher
        self._events = events
        self._audit = events.audit
        self._clock = clock or SystemClock()

    def enroll(self, person_id: str, templates: Sequence[Template], consent: Consent, *, replace: bool = False) -> None:
        """Store `templates` for `person_id` under `consent`; an earlier enrolment is replaced only with `replace`."""
        now = self._clock.wall()
        problems = consent.problems()
        problem = person_id_problem(person_id)
        if problem:
            problems.append(problem)
        if not templates:
            problems.append(f"no face templates for {person_id!r} (expected at least one)")
        if consent.expires_at <= now:
            problems.append(f"consent for {person_id!r} has already expired (expires at {consent.expires_at}, now {now})")
        if problems:
            raise ValueError("; ".join(problems))
        rows = [self._template_row(person_id, template) for template in templates]
        with self._db.transaction() as connection:
            if not replace and connection.execute("SELECT 1 FROM people WHERE person_id = ?", (person_id,)).fetchone():
                raise AlreadyEnrolled(f"{person_id!r} is already enrolled (expected a new id, or --replace to replace its templates and consent)")
            connection.execute("DELETE FROM people WHERE person_id = ?", (person_id,))
            connection.execute("INSERT INTO people VALUES (?, ?)", (person_id, now))
            connection.execute(
                "INSERT INTO consents VALUES (?, ?, ?, ?, ?)",
                (person_id, consent.purpose, consent.given_at, consent.expires_at, consent.recorded_by),
            )
            connection.executemany(
                "INSERT INTO templates (person_id, variant, masked, nonce, embedding) VALUES (?, ?, ?, ?, ?)", rows
            )
            # Not who: an erasure must be able to remove every trace of the person, and the audit is append-only.
            self._audit.append(AuditKind.ENROLMENT, {"templates": len(rows), "purpose": consent.purpose})

    def renew_consent(self, person_id: str, consent: Consent) -> bool:
        """Replace an enrolled person's consent with `consent`, given again for a new period; False when `person_id` is not enrolled.

        The templates stay; only the consent record changes, and the audit log says so (without the id, as for enrolments).
        """
        now = self._clock.wall()
        problems = consent.problems()
        if consent.expires_at <= now:
            problems.append(f"renewed consent for {person_id!r} would already have expired (expires at {consent.expires_at}, now {now})")
        if problems:
            raise ValueError("; ".join(problems))
        with self._db.transaction() as connection:
            renewed = connection.execute(
                "UPDATE consents SET purpose = ?, given_at = ?, expires_at = ?, recorded_by = ? WHERE person_id = ?",
                (consent.purpose, consent.given_at, consent.expires_at, consent.recorded_by, person_id),
            ).rowcount > 0
            if renewed:
                self._audit.append(AuditKind.CONSENT_RENEWAL, {"purpose": consent.purpose, "expires_at": consent.expires_at})
        return renewed

    def list_people(self) -> list[Person]:
        rows = self._db.connection.execute(
            "SELECT p.person_id, p.enrolled_at, c.purpose, c.given_at, c.expires_at, c.recorded_by,"
            " (SELECT count(*) FROM templates t WHERE t.person_id = p.person_id)"
            " FROM people p JOIN consents c USING (person_id) ORDER BY p.person_id"
        )
        return [
            Person(person_id, enrolled_at, count, Consent(purpose, given_at, expires_at, recorded_by))
            for person_id, enrolled_at, purpose, given_at, expires_at, recorded_by, count in rows
        ]

    def forget(self, person_id: str) -> Erasure:
        """Erase the person's enrolment, consent, templates and every pseudonymous link to them."""
        with self._db.transaction() as connection:
            templates = connection.execute("DELETE FROM templates WHERE person_id = ?", (person_id,)).rowcount
            found = connection.execute("DELETE FROM people WHERE person_id = ?", (person_id,)).rowcount > 0
            unlinked = self._events.unlink_person(person_id)
            erasure = Erasure(found, templates, unlinked)
            self._audit.append(AuditKind.ERASURE, {"enrolment": found, "templates": templates, "events_unlinked": unlinked})
        if not self._db.checkpoint():
            logger.warning("erasure committed; a reader kept the write-ahead log from being emptied until the next hourly purge")
        return erasure

    def forget_expired(self, now: float) -> int:
        """Erase everyone whose consent has expired at `now`; returns how many."""
        expired = self._db.connection.execute("SELECT person_id FROM consents WHERE expires_at <= ?", (now,)).fetchall()
        for (person_id,) in expired:
            self.forget(person_id)
        return len(expired)

    def load_templates(self, now: float | None = None) -> list[tuple[str, np.ndarray, bool, str]]:
        """Every template as (person_id, float32 embedding, masked, variant); with `now`, only consents still valid."""
        rows = self._db.connection.execute(
            "SELECT t.person_id, t.variant, t.masked, t.nonce, t.embedding FROM templates t"
            " JOIN consents c USING (person_id) WHERE c.expires_at > ? ORDER BY t.person_id, t.id",
            (-math.inf if now is None else now,),
        )
        return [(person_id, self._embedding(person_id, variant, nonce, blob), bool(masked), variant)
                for person_id, variant, masked, nonce, blob in rows]

    def _template_row(self, person_id: str, template: Template) -> tuple[str, str, int, bytes | None, bytes]:
        embedding = np.asarray(template.embedding)
        if embedding.shape != (EMBEDDING_SIZE,) or not np.all(np.isfinite(embedding)):
            raise ValueError(
                f"template {template.variant!r} of {person_id!r}: embedding of shape {embedding.shape}"
                f" (expected {EMBEDDING_SIZE} finite numbers)"
            )
        plain = embedding.astype("<f4").tobytes()
        if self._cipher is None:
            return person_id, template.variant, int(template.masked), None, plain
        nonce, sealed = self._cipher.encrypt(plain, _associated(person_id, template.variant))
        return person_id, template.variant, int(template.masked), nonce, sealed

    def _embedding(self, person_id: str, variant: str, nonce: bytes | None, blob: bytes) -> np.ndarray:
        if nonce is not None:
            if self._cipher is None:
                raise StorageError(
                    "face templates are encrypted but no key is configured (expected storage.embeddings_key_file)"
                )
            blob = self._cipher.decrypt(nonce, blob, _associated(person_id, variant))
        return np.frombuffer(blob, dtype="<f4").astype(np.float32)


def _associated(person_id: str, variant: str) -> bytes:
    return person_id.encode("utf-8") + b"\0" + variant.encode("utf-8")
