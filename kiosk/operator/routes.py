"""The operator page's routes: login, status, people, and the same under /api/v1 as JSON."""

from __future__ import annotations

import io
import math
import secrets
from dataclasses import dataclass
from pathlib import Path
from datetime import datetime, timezone

from urllib.parse import quote

from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from kiosk.operator.app import API, LOGIN_COOKIE, SESSION_COOKIE, OperatorSite, api, page
from kiosk.operator.sessions import Session
from kiosk.credentials.updates import UpdateOutcome, apply_update
from kiosk.errors import KioskError
from kiosk.operator.enrolment import MAX_PHOTO_BYTES, EnrolmentRequest
from kiosk.operator.passes import IssuedPass, PassRefused
from kiosk.operator.passes import issue as issue_pass_for
from kiosk.operator.status import gate_status
from kiosk.operator.trust_view import trust_summary
from kiosk.storage.audit import AuditKind
from kiosk.storage.export import FORMATS, export_row, write_export
from kiosk.storage.people import Person, person_id_problem


def routes(site: OperatorSite) -> list[BaseRoute]:
    async def login_form(request: Request) -> Response:
        nonce = secrets.token_urlsafe(16)
        response = site.render("login.html", csrf=site.login_token(nonce), error="")
        site.set_cookie(response, LOGIN_COOKIE, nonce)
        return response

    async def login(request: Request) -> Response:
        form = await request.form()
        name, password, token = (str(form.get(key, "")) for key in ("name", "password", "csrf"))
        nonce = request.cookies.get(LOGIN_COOKIE, "")
        if not nonce or not secrets.compare_digest(token, site.login_token(nonce)):
            return Response("CSRF token missing or wrong", status_code=403)
        result = site.accounts.check(name, password, site.clock.wall())
        if not result.ok:
            site.audit("operator-login-failed", operator=name, reason=result.reason)
            if result.locked_now:
                site.audit("operator-locked", operator=name, for_s=site.config.operator.lockout_s)
            error = "This account is locked. Try again later." if result.reason == "locked" or result.locked_now else "Wrong name or password."
            response = site.render("login.html", status_code=401, csrf=site.login_token(nonce), error=error)
            return response
        token, _ = site.sessions.create(name)
        site.audit("operator-login", operator=name)
        response = RedirectResponse("/", status_code=303)
        site.set_cookie(response, SESSION_COOKIE, token)
        response.delete_cookie(LOGIN_COOKIE, path="/")
        return response

    async def logout(request: Request, session: Session) -> Response:
        site.sessions.end(request.cookies.get(SESSION_COOKIE))
        site.audit("operator-logout", operator=session.name)
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    async def status_page(request: Request, session: Session) -> Response:
        status = gate_status(site.config, site.storage, site.gate, site.clock)
        return site.render("status.html", session=session, status=status, when=_when)

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

    async def events_page(request: Request, session: Session) -> Response:
        try:
            chosen = _event_filter(request)
        except ValueError as err:
            return site.render("events.html", status_code=400, session=session, events=[], error=str(err), query={}, when=_when)
        events = _events(site, chosen)
        query = {key: request.query_params.get(key, "") for key in ("since", "until", "verdict")}
        return site.render("events.html", session=session, events=events[-EVENTS_ON_PAGE:][::-1], total=len(events), error="", query=query, when=_when)

    async def api_events(request: Request, session: Session) -> Response:
        form = request.query_params.get("format", "jsonl")
        if form not in FORMATS:
            return JSONResponse({"error": f"format {form!r}: expected one of {', '.join(FORMATS)}"}, status_code=400)
        try:
            chosen = _event_filter(request)
        except ValueError as err:
            return JSONResponse({"error": str(err)}, status_code=400)
        rows = [export_row(event) for event in _events(site, chosen)]
        out = io.StringIO()
        write_export(rows, form, out)
        bounds = {key: value for key, value in (("since", chosen.since), ("until", chosen.until)) if math.isfinite(value)}
        site.storage.audit.append(AuditKind.EXPORT, {"events": len(rows), "format": form, **bounds, "operator": session.name})
        media = "text/csv" if form == "csv" else "application/x-ndjson"
        return Response(out.getvalue(), media_type=media, headers={"Content-Disposition": f'attachment; filename="events.{form}"'})

    async def trust_page(request: Request, session: Session) -> Response:
        message = request.query_params.get("done", "")
        return site.render("trust.html", session=session, trust=trust_summary(site.config), message=message)

    async def trust_update_page(request: Request, session: Session) -> Response:
        upload = (await request.form()).get("update")
        if not isinstance(upload, UploadFile):
            return RedirectResponse("/trust?done=" + quote("No update file was chosen."), status_code=303)
        outcome = _apply_update(site, session, await upload.read(MAX_UPDATE_BYTES + 1))
        return RedirectResponse("/trust?done=" + quote(outcome.message), status_code=303)

    async def api_trust(request: Request, session: Session) -> Response:
        return JSONResponse(trust_summary(site.config))

    async def api_trust_update(request: Request, session: Session) -> Response:
        body = await request.body()
        outcome = _apply_update(site, session, body)
        status = 200 if outcome.applied else 400
        return JSONResponse({"applied": outcome.applied, "sequence": outcome.sequence, "reason": outcome.reason, "message": outcome.message}, status_code=status)

    async def passes_page(request: Request, session: Session) -> Response:
        can_issue = site.config.operator.pass_issuer_key_file is not None
        return site.render("passes.html", session=session, issued=None, error="", can_issue=can_issue)

    async def issue_page(request: Request, session: Session) -> Response:
        form = await request.form()
        try:
            issued = _issue(site, session, str(form.get("subject", "")), str(form.get("valid_days", "30")), form.get("this_gate_only") == "yes")
        except (KioskError, ValueError) as err:
            return site.render("passes.html", status_code=400, session=session, issued=None, error=str(err), can_issue=True)
        return site.render("passes.html", session=session, issued=issued, error="", can_issue=True, when=_when)

    async def api_issue(request: Request, session: Session) -> Response:
        body = await request.json()
        try:
            issued = _issue(site, session, str(body.get("subject", "")), str(body.get("valid_days", "30")), bool(body.get("this_gate_only")))
        except (KioskError, ValueError) as err:
            return JSONResponse({"error": str(err)}, status_code=400)
        return JSONResponse({"pass": issued.text, "pass_id": issued.pass_id, "expires_at": issued.expires_at.isoformat()})

    async def api_login(request: Request) -> Response:
        if request.headers.get("content-type", "").split(";")[0] != "application/json":
            return JSONResponse({"error": "expected-application-json"}, status_code=415)  # a form cannot be forged cross-site as JSON
        body = await request.json()
        name, password = str(body.get("name", "")), str(body.get("password", ""))
        result = site.accounts.check(name, password, site.clock.wall())
        if not result.ok:
            site.audit("operator-login-failed", operator=name, reason=result.reason, via="api")
            if result.locked_now:
                site.audit("operator-locked", operator=name, for_s=site.config.operator.lockout_s)
            locked = result.reason == "locked" or result.locked_now
            return JSONResponse({"error": "account-locked" if locked else "wrong-name-or-password"}, status_code=401)
        token, session = site.sessions.create(name)
        site.audit("operator-login", operator=name, via="api")
        response = JSONResponse({"operator": name, "csrf_token": session.csrf})
        site.set_cookie(response, SESSION_COOKIE, token)
        return response

    async def api_status(request: Request, session: Session) -> Response:
        return JSONResponse(gate_status(site.config, site.storage, site.gate, site.clock))

    async def api_people(request: Request, session: Session) -> Response:
        return JSONResponse({"people": [_person(person) for person in site.storage.people.list_people()]})

    async def api_forget(request: Request, session: Session) -> Response:
        outcome = _forget(site, session, request.path_params["person_id"])
        return JSONResponse({"person_id": request.path_params["person_id"], "outcome": outcome}, status_code=200 if outcome != "invalid-id" else 400)

    return [
        Route("/login", login_form, methods=["GET"]),
        Route("/login", login, methods=["POST"]),
        Route("/logout", page(site, logout, changes=True), methods=["POST"]),
        Route("/", page(site, status_page), methods=["GET"]),
        Route("/people", page(site, people_page), methods=["GET"]),
        Route("/people/enroll", page(site, enroll_page, changes=True), methods=["POST"]),
        Route("/people/{person_id}/forget", page(site, forget_page, changes=True), methods=["POST"]),
        Route("/events", page(site, events_page), methods=["GET"]),
        Route("/trust", page(site, trust_page), methods=["GET"]),
        Route("/trust/update", page(site, trust_update_page, changes=True), methods=["POST"]),
        Route(f"{API}/trust", api(site, api_trust), methods=["GET"]),
        Route(f"{API}/trust/update", api(site, api_trust_update, changes=True), methods=["POST"]),
        Route(f"{API}/events", api(site, api_events), methods=["GET"]),
        Route("/passes", page(site, passes_page), methods=["GET"]),
        Route("/passes/issue", page(site, issue_page, changes=True), methods=["POST"]),
        Route(f"{API}/passes", api(site, api_issue, changes=True), methods=["POST"]),
        Route(f"{API}/login", api_login, methods=["POST"]),
        Route(f"{API}/status", api(site, api_status), methods=["GET"]),
        Route(f"{API}/people", api(site, api_people), methods=["GET"]),
        Route(f"{API}/people/{{person_id}}/enroll", api(site, api_enroll, changes=True), methods=["POST"]),
        Route(f"{API}/people/{{person_id}}/forget", api(site, api_forget, changes=True), methods=["POST"]),
        Mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static"),
    ]


EVENTS_ON_PAGE = 200


@dataclass(frozen=True)
class EventFilter:
    since: float
    until: float
    verdict: str  # "" for both


def _event_filter(request: Request) -> EventFilter:
    """since/until as ISO 8601 (UTC unless it says otherwise) or epoch seconds; verdict granted|denied."""
    params = request.query_params
    verdict = params.get("verdict", "")
    if verdict not in ("", "granted", "denied"):
        raise ValueError(f"verdict {verdict!r}: expected granted, denied or nothing")
    return EventFilter(_time(params.get("since", ""), -math.inf, "since"), _time(params.get("until", ""), math.inf, "until"), verdict)


def _time(text: str, default: float, name: str) -> float:
    if not text:
        return default
    try:
        return float(text)
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as err:
        raise ValueError(f"{name} {text!r}: expected an ISO 8601 date or time (2026-11-24, 2026-11-24T08:00) or epoch seconds") from err
    return (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).timestamp()


def _events(site: OperatorSite, chosen: EventFilter) -> list[dict[str, object]]:
    found = site.storage.events.events(chosen.since, chosen.until)
    return [event.as_dict() for event in found if not chosen.verdict or event.verdict == chosen.verdict]


MAX_UPDATE_BYTES = 16 * 1024 * 1024


def _apply_update(site: OperatorSite, session: Session, update: bytes) -> UpdateOutcome:
    """Apply a signed trust update (verified by its signature, as `kiosk credential update-trust`); audited either way."""
    if len(update) > MAX_UPDATE_BYTES:
        outcome = UpdateOutcome(False, None, "too-large", f"The update is larger than {MAX_UPDATE_BYTES // (1024 * 1024)} MiB.")
    else:
        outcome = apply_update(site.config.credentials.trust_dir, update)
    site.storage.audit.append(
        AuditKind.TRUST_LIST_UPDATE, {"operator": session.name, "applied": outcome.applied, "sequence": outcome.sequence, "reason": outcome.reason}
    )
    return outcome


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


def _issue(site: OperatorSite, session: Session, subject: str, valid_days: str, this_gate_only: bool) -> IssuedPass:
    try:
        days = float(valid_days)
    except ValueError as err:
        raise PassRefused(f"valid days {valid_days!r}: expected a number of days") from err
    issued = issue_pass_for(site.config, subject, days, this_gate_only)
    site.audit("operator-change", operator=session.name, action="pass-issue", pass_id=issued.pass_id, expires_at=issued.expires_at.isoformat())
    return issued


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


def _when(epoch_s: float) -> str:
    return datetime.fromtimestamp(epoch_s, tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
