"""The people page: list, enrol from an uploaded photo, forget (page and `/api/v1/people`)."""

from __future__ import annotations

from urllib.parse import quote

from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from kiosk.errors import KioskError
from kiosk.operator.app import API, OperatorSite, api, page
from kiosk.operator.enrolment import MAX_PHOTO_BYTES, EnrolmentRequest
from kiosk.operator.sessions import Session
from kiosk.storage.people import Person, person_id_problem


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
        )

    async def enroll_page(request: Request, session: Session) -> Response:
        form = await request.form()
        message = await _enroll(site, session, form, str(form.get("person_id", "")))
        return RedirectResponse("/people?done=" + quote(message), status_code=303)

    async def api_enroll(request: Request, session: Session) -> Response:
        person_id = request.path_params["person_id"]
        message = await _enroll(site, session, await request.form(), person_id)
        ok = message.startswith("enrolled")
        return JSONResponse({"person_id": person_id, "enrolled": ok, "message": message}, status_code=200 if ok else 400)

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
        Route("/people/{person_id}/forget", page(site, forget_page, changes=True), methods=["POST"]),
        Route(f"{API}/people", api(site, api_people), methods=["GET"]),
        Route(f"{API}/people/{{person_id}}/enroll", api(site, api_enroll, changes=True), methods=["POST"]),
        Route(f"{API}/people/{{person_id}}/forget", api(site, api_forget, changes=True), methods=["POST"]),
    ]


async def _enroll(site: OperatorSite, session: Session, form: FormData, person_id: str) -> str:
    """Enrol from the form's photo; the message says what happened (shown on the page, returned by the API)."""
    photo = form.get("photo")
    try:
        valid_days = float(str(form.get("valid_days") or site.config.storage.consent_max_days))
    except ValueError:
        return f"valid days {form.get('valid_days')!r}: expected a number of days"
    request = EnrolmentRequest(
        person_id=person_id,
        purpose=str(form.get("purpose") or site.config.privacy.purpose),
        valid_days=valid_days,
        consent_given=form.get("consent_given") == "yes",
        photo=await photo.read(MAX_PHOTO_BYTES + 1) if isinstance(photo, UploadFile) else b"",
        photo_name=(photo.filename or "photo") if isinstance(photo, UploadFile) else "photo",
    )
    try:
        count = await site.enrolment.enroll(request, site.storage, f"operator {session.name}")
    except (KioskError, ValueError) as err:
        return str(err)
    site.audit("operator-change", operator=session.name, action="people-enroll", templates=count)
    return f"enrolled {person_id}: {count} templates"


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
