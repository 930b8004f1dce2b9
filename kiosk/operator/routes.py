"""The operator page's routes: login, status, people, and the same under /api/v1 as JSON."""

from __future__ import annotations

import secrets
from pathlib import Path
from datetime import datetime, timezone

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from kiosk.operator.app import API, LOGIN_COOKIE, SESSION_COOKIE, OperatorSite, api, page
from kiosk.operator.sessions import Session
from kiosk.operator.status import gate_status
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
        return site.render("people.html", session=session, people=people, message=request.query_params.get("done", ""))

    async def forget_page(request: Request, session: Session) -> Response:
        person_id = request.path_params["person_id"]
        outcome = _forget(site, session, person_id)
        return RedirectResponse(f"/people?done={outcome}", status_code=303)

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
        Route("/people/{person_id}/forget", page(site, forget_page, changes=True), methods=["POST"]),
        Route(f"{API}/login", api_login, methods=["POST"]),
        Route(f"{API}/status", api(site, api_status), methods=["GET"]),
        Route(f"{API}/people", api(site, api_people), methods=["GET"]),
        Route(f"{API}/people/{{person_id}}/forget", api(site, api_forget, changes=True), methods=["POST"]),
        Mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static"),
    ]


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
