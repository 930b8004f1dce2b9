"""The people page: list, enrol (from an uploaded photo or the gate camera), renew consent, forget; and `/api/v1/people`.

The camera preview and its live check read the frame the gate loop last captured (kiosk.operator.camera);
they answer only a logged-in operator and never keep the frame.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from urllib.parse import quote

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from kiosk.errors import KioskError
from kiosk.operator.app import API, NO_STORE, OperatorSite, api, page
from kiosk.operator.camera import current_frame
from kiosk.operator.enrolment import MAX_PHOTO_BYTES, EnrolmentRequest, consent_problem
from kiosk.operator.pages import when
from kiosk.operator.sessions import Session
from kiosk.screens.gate_app import preview_jpeg
from kiosk.storage.people import Consent, Person, person_id_problem
from kiosk.wording import counted


def routes(site: OperatorSite) -> list[BaseRoute]:
    async def people_page(request: Request, session: Session) -> Response:
        people = [_person(person) for person in site.storage.people.list_people()]
        return site.render(
            "people.html",
            session=session,
            people=people,
            message=request.query_params.get("done", ""),
            purpose=site.config.privacy.purpose,
            max_days=site.config.storage.consent_max_days,
            when=when,
        )

    async def enroll_page(request: Request, session: Session) -> Response:
        form = await request.form()
        message = await _enroll_photo(site, session, form, str(form.get("person_id", "")))
        return RedirectResponse("/people?done=" + quote(message), status_code=303)

    async def api_enroll(request: Request, session: Session) -> Response:
        person_id = request.path_params["person_id"]
        message = await _enroll_photo(site, session, await request.form(), person_id)
        ok = message.startswith("enrolled")
        return JSONResponse({"person_id": person_id, "enrolled": ok, "message": message}, status_code=200 if ok else 400)

    async def capture_page(request: Request, session: Session) -> Response:
        form = await request.form()
        message = await _enroll_frame(site, session, _form_values(form), str(form.get("person_id", "")))
        return RedirectResponse("/people?done=" + quote(message), status_code=303)

    async def api_capture(request: Request, session: Session) -> Response:
        person_id = request.path_params["person_id"]
        message = await _enroll_frame(site, session, await _json_object(request), person_id)
        ok = message.startswith("enrolled")
        return JSONResponse({"person_id": person_id, "enrolled": ok, "message": message}, status_code=200 if ok else 400)

    async def camera_preview(request: Request, session: Session) -> Response:
        frame = current_frame(site.gate)
        if frame.image is None:
            return Response(status_code=204, headers=NO_STORE)
        jpeg = await asyncio.to_thread(preview_jpeg, frame.image)
        return Response(jpeg, media_type="image/jpeg", headers=NO_STORE)

    async def camera_check(request: Request, session: Session) -> Response:
        frame = current_frame(site.gate)
        if frame.image is None:
            return JSONResponse({"frame": frame.seq, "ready": False, "faces": [], "problems": [frame.why]}, headers=NO_STORE)
        try:
            check = await site.enrolment.check_frame(frame.seq, frame.image)
        except KioskError as err:  # the face models cannot load: say so, as the capture would
            return JSONResponse({"frame": frame.seq, "ready": False, "faces": [], "problems": [str(err)]}, headers=NO_STORE)
        return JSONResponse(check.as_dict(), headers=NO_STORE)

    async def renew_page(request: Request, session: Session) -> Response:
        form = await request.form()
        message = _renew(site, session, _form_values(form), str(form.get("person_id", "")))
        return RedirectResponse("/people?done=" + quote(message), status_code=303)

    async def api_renew(request: Request, session: Session) -> Response:
        person_id = request.path_params["person_id"]
        message = _renew(site, session, await _json_object(request), person_id)
        ok = message.startswith("renewed")
        return JSONResponse({"person_id": person_id, "renewed": ok, "message": message}, status_code=200 if ok else 400)

    async def forget_page(request: Request, session: Session) -> Response:
        person_id = request.path_params["person_id"]
        outcome = _forget(site, session, person_id)
        return RedirectResponse(f"/people?done={outcome}", status_code=303)

    async def api_people(request: Request, session: Session) -> Response:
        return JSONResponse({"people": [_person(person) for person in site.storage.people.list_people()]})

    async def api_forget(request: Request, session: Session) -> Response:
        outcome = _forget(site, session, request.path_params["person_id"])
        return JSONResponse({"person_id": request.path_params["person_id"], "outcome": outcome}, status_code=200 if outcome != "invalid-id" else 400)

    return [
        Route("/people", page(site, people_page), methods=["GET"]),
        Route("/people/enroll", page(site, enroll_page, changes=True), methods=["POST"]),
        Route("/people/capture", page(site, capture_page, changes=True), methods=["POST"]),
        Route("/people/renew-consent", page(site, renew_page, changes=True), methods=["POST"]),
        Route("/people/{person_id}/forget", page(site, forget_page, changes=True), methods=["POST"]),
        Route(f"{API}/camera/preview.jpg", api(site, camera_preview), methods=["GET"]),
        Route(f"{API}/camera/check", api(site, camera_check), methods=["GET"]),
        Route(f"{API}/people", api(site, api_people), methods=["GET"]),
        Route(f"{API}/people/{{person_id}}/enroll", api(site, api_enroll, changes=True), methods=["POST"]),
        Route(f"{API}/people/{{person_id}}/capture", api(site, api_capture, changes=True), methods=["POST"]),
        Route(f"{API}/people/{{person_id}}/renew-consent", api(site, api_renew, changes=True), methods=["POST"]),
        Route(f"{API}/people/{{person_id}}/forget", api(site, api_forget, changes=True), methods=["POST"]),
    ]


def _form_values(form: Mapping[str, object]) -> dict[str, object]:
    """A page form's fields as the API's JSON gives them: ticked boxes as booleans."""
    values = {key: value for key, value in form.items() if isinstance(value, str)}
    return {**values, "consent_given": form.get("consent_given") == "yes", "replace": form.get("replace") == "yes"}


async def _json_object(request: Request) -> dict[str, object]:
    try:
        body = await request.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _request(site: OperatorSite, values: Mapping[str, object], person_id: str) -> EnrolmentRequest:
    """The consent and options given with an enrolment; ValueError naming a valid_days that is not a number."""
    raw_days = values.get("valid_days") or site.config.storage.consent_max_days
    try:
        valid_days = float(str(raw_days))
    except ValueError as err:
        raise ValueError(f"valid days {raw_days!r}: expected a number of days") from err
    return EnrolmentRequest(
        person_id=person_id,
        purpose=str(values.get("purpose") or site.config.privacy.purpose),
        valid_days=valid_days,
        consent_given=values.get("consent_given") is True,
        replace=values.get("replace") is True,
    )


async def _enroll_photo(site: OperatorSite, session: Session, form: Mapping[str, object], person_id: str) -> str:
    """Enrol from the form's photo; the message says what happened (shown on the page, returned by the API)."""
    photo = form.get("photo")
    try:
        request = _request(site, _form_values(form), person_id)
        if isinstance(photo, UploadFile):
            content, name = await photo.read(MAX_PHOTO_BYTES + 1), photo.filename or "photo"
        else:
            content, name = b"", "photo"
        count = await site.enrolment.from_photo(request, content, name, site.storage, f"operator {session.name}")
    except (KioskError, ValueError) as err:
        return str(err)
    site.audit("operator-change", operator=session.name, action="people-enroll", source="photo", replaced=request.replace, templates=count)
    return f"enrolled {person_id}: {counted(count, 'template')}"


async def _enroll_frame(site: OperatorSite, session: Session, values: Mapping[str, object], person_id: str) -> str:
    """Enrol from the gate camera's current frame; the message says what happened or why not."""
    try:
        request = _request(site, values, person_id)
        site.enrolment.check(request)
        frame = current_frame(site.gate)
        if frame.image is None:
            return f"capture refused: {frame.why}"
        count = await site.enrolment.from_frame(request, frame.seq, frame.image, site.storage, f"operator {session.name}")
    except (KioskError, ValueError) as err:
        return str(err)
    site.audit("operator-change", operator=session.name, action="people-enroll", source="gate-camera", replaced=request.replace, templates=count)
    return f"enrolled {person_id} from the gate camera: {counted(count, 'template')}"


def _renew(site: OperatorSite, session: Session, values: Mapping[str, object], person_id: str) -> str:
    """Record a renewed consent for an enrolled person (`kiosk people renew-consent`); the message says what happened."""
    current = next((person for person in site.storage.people.list_people() if person.person_id == person_id), None)
    try:
        request = _request(site, {**values, "purpose": values.get("purpose") or (current.consent.purpose if current else "")}, person_id)
    except ValueError as err:
        return str(err)
    problem = consent_problem(person_id, request.purpose, request.valid_days, request.consent_given, site.config.storage.consent_max_days)
    if problem:
        return f"renewal refused: {problem}"
    if current is None:
        return f"renewal refused: {person_id!r} is not enrolled (expected an id from the list)"
    now = site.clock.wall()
    consent = Consent(request.purpose, now, now + request.valid_days * 86400, f"operator {session.name}")
    try:
        site.storage.people.renew_consent(person_id, consent)
    except ValueError as err:
        return f"renewal refused: {err}"
    site.audit("operator-change", operator=session.name, action="consent-renew", valid_days=request.valid_days)
    return f"renewed the consent of {person_id} until {when(consent.expires_at)}"


def _forget(site: OperatorSite, session: Session, person_id: str) -> str:
    if person_id_problem(person_id) is not None:
        return "invalid-id"
    erasure = site.storage.people.forget(person_id)
    site.audit("operator-change", operator=session.name, action="people-forget", erased=erasure.erased_anything)
    return "forgotten" if erasure.erased_anything else "not-found"


def _person(person: Person) -> dict[str, object]:
    consent = person.consent
    return {
        "person_id": person.person_id,
        "enrolled_at": person.enrolled_at,
        "templates": person.templates,
        "consent": {"purpose": consent.purpose, "given_at": consent.given_at, "expires_at": consent.expires_at, "recorded_by": consent.recorded_by},
    }
