"""Enrolment from an uploaded photo, with the consent record the CLI requires.

The face pipeline loads once, on first use, and runs in a worker thread so the operator page's
event loop keeps answering; the database is written back on the loop's own thread.
"""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass

from kiosk.config.schema import KioskConfig
from kiosk.errors import KioskError
from kiosk.images import decode_image
from kiosk.storage.people import Consent, person_id_problem
from kiosk.storage.storage import Storage

MAX_PHOTO_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class EnrolmentRequest:
    person_id: str
    purpose: str
    valid_days: float
    consent_given: bool
    photo: bytes
    photo_name: str


class EnrolmentRefused(KioskError, ValueError):
    pass


class PhotoEnrolment:
    def __init__(self, config: KioskConfig) -> None:
        self._config = config
        self._pipeline: object | None = None
        self._lock = threading.Lock()

    def check(self, request: EnrolmentRequest) -> None:
        """Refuse before any face work: the id, the consent and its period, the photo's size."""
        problem = person_id_problem(request.person_id)
        if problem:
            raise EnrolmentRefused(f"enrolment refused: {problem}")
        if not request.consent_given:
            raise EnrolmentRefused(f"enrolment of {request.person_id!r} refused: the person's consent is not confirmed")
        if not request.purpose.strip():
            raise EnrolmentRefused(f"enrolment of {request.person_id!r} refused: no purpose given for the consent")
        most = self._config.storage.consent_max_days
        if not 0 < request.valid_days <= most:
            raise EnrolmentRefused(f"valid days {request.valid_days:g}: expected more than 0 and at most {most} (storage.consent_max_days)")
        if not request.photo:
            raise EnrolmentRefused("no photo uploaded (expected a face photo: JPEG, PNG, BMP, WebP, GIF or TIFF)")
        if len(request.photo) > MAX_PHOTO_BYTES:
            raise EnrolmentRefused(f"photo {request.photo_name!r}: {len(request.photo)} bytes (expected at most {MAX_PHOTO_BYTES})")

    async def enroll(self, request: EnrolmentRequest, storage: Storage, recorded_by: str) -> int:
        """Enrol the person; returns the number of templates stored. Raises KioskError/ValueError saying why not."""
        self.check(request)
        templates = await asyncio.to_thread(self._templates, request)
        now = time.time()
        consent = Consent(request.purpose, now, now + request.valid_days * 86400, recorded_by)
        storage.people.enroll(request.person_id, templates, consent)
        return len(templates)

    def _templates(self, request: EnrolmentRequest) -> list[object]:
        from kiosk.vision import FacePipeline

        image = decode_image(request.photo, request.photo_name)
        with self._lock:
            if self._pipeline is None:
                self._pipeline = FacePipeline(self._config.vision)
            pipeline = self._pipeline
            assert isinstance(pipeline, FacePipeline)
            return list(pipeline.enrollment_templates([image], [request.photo_name]))
