"""Enrolment from the operator page, from an uploaded photo or the gate camera, with the consent record the CLI requires.

The rules are `kiosk people enroll`'s: a pseudonymous id, a confirmed consent with a purpose and a
period of at most storage.consent_max_days, an id already enrolled replaced only when asked, one
face per image. The face pipeline loads once, on first use, and runs in a worker thread so the
operator page's event loop keeps answering; the database is written on the loop's own thread.
Only embeddings are stored, never the photo or the frame.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from hardware.clock import Clock
from kiosk.config.schema import KioskConfig
from kiosk.errors import KioskError
from kiosk.images import decode_image
from kiosk.operator.camera import FrameCheck, assess_frame
from kiosk.storage.people import AlreadyEnrolled, Consent, person_id_problem
from kiosk.storage.storage import Storage

if TYPE_CHECKING:
    from kiosk.vision import FacePipeline, Template

MAX_PHOTO_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class EnrolmentRequest:
    person_id: str
    purpose: str
    valid_days: float
    consent_given: bool
    replace: bool = False


class EnrolmentRefused(KioskError, ValueError):
    pass


def consent_problem(person_id: str, purpose: str, valid_days: float, consent_given: bool, max_days: float) -> str | None:
    """Why a consent given on the page cannot be recorded (enrolment or renewal), or None."""
    problem = person_id_problem(person_id)
    if problem:
        return problem
    if not consent_given:
        return f"consent is not confirmed for {person_id!r} (expected the box ticked once the person has agreed)"
    if not purpose.strip():
        return f"no purpose given for the consent of {person_id!r}"
    if not 0 < valid_days <= max_days:
        return f"valid days {valid_days:g}: expected more than 0 and at most {max_days:g} (storage.consent_max_days)"
    return None


class FaceEnrolment:
    def __init__(self, config: KioskConfig, clock: Clock) -> None:
        self._config = config
        self._clock = clock
        self._pipeline: FacePipeline | None = None
        self._lock = threading.Lock()
        self._last_check: FrameCheck | None = None

    def check(self, request: EnrolmentRequest) -> None:
        """Refuse before any face work: the id, the consent and its period."""
        problem = consent_problem(
            request.person_id, request.purpose, request.valid_days, request.consent_given, self._config.storage.consent_max_days
        )
        if problem:
            raise EnrolmentRefused(f"enrolment refused: {problem}")

    async def from_photo(self, request: EnrolmentRequest, photo: bytes, photo_name: str, storage: Storage, recorded_by: str) -> int:
        """Enrol from an uploaded photo; returns the number of templates stored. Raises KioskError/ValueError saying why not."""
        self.check(request)
        if not photo:
            raise EnrolmentRefused("no photo uploaded (expected a face photo: JPEG, PNG, BMP, WebP, GIF or TIFF)")
        if len(photo) > MAX_PHOTO_BYTES:
            raise EnrolmentRefused(f"photo {photo_name!r}: {len(photo)} bytes (expected at most {MAX_PHOTO_BYTES})")
        templates = await asyncio.to_thread(self._photo_templates, photo, photo_name)
        return self._store(request, templates, storage, recorded_by)

    async def from_frame(self, request: EnrolmentRequest, seq: int, image: np.ndarray, storage: Storage, recorded_by: str) -> int:
        """Enrol from a camera frame, refused with the live check's reasons unless it shows exactly one good face."""
        self.check(request)
        templates = await asyncio.to_thread(self._frame_templates, seq, image)
        return self._store(request, templates, storage, recorded_by)

    async def check_frame(self, seq: int, image: np.ndarray) -> FrameCheck:
        """The live check of a camera frame (the answer for the same frame is reused)."""
        return await asyncio.to_thread(self._check, seq, image)

    def _store(self, request: EnrolmentRequest, templates: list[Template], storage: Storage, recorded_by: str) -> int:
        now = self._clock.wall()
        consent = Consent(request.purpose, now, now + request.valid_days * 86400, recorded_by)
        try:
            storage.people.enroll(request.person_id, templates, consent, replace=request.replace)
        except AlreadyEnrolled as err:
            raise EnrolmentRefused(
                f"enrolment refused: {request.person_id!r} is already enrolled (expected a new id, or 'replace' to replace its templates and consent)"
            ) from err
        return len(templates)

    def _photo_templates(self, photo: bytes, photo_name: str) -> list[Template]:
        image = decode_image(photo, photo_name)
        with self._lock:
            return list(self._loaded().enrollment_templates([image], [photo_name]))

    def _frame_templates(self, seq: int, image: np.ndarray) -> list[Template]:
        with self._lock:
            pipeline = self._loaded()
            check, face = assess_frame(pipeline, seq, image)
            self._last_check = check
            if face is None:
                raise EnrolmentRefused(f"capture refused: {'; '.join(check.problems)}")
            return list(pipeline.face_templates(image, face, "gate camera frame"))

    def _check(self, seq: int, image: np.ndarray) -> FrameCheck:
        with self._lock:
            if self._last_check is None or self._last_check.seq != seq:
                self._last_check = assess_frame(self._loaded(), seq, image)[0]
            return self._last_check

    def _loaded(self) -> FacePipeline:
        from kiosk.vision import FacePipeline

        if self._pipeline is None:
            self._pipeline = FacePipeline(self._config.vision)
        return self._pipeline
