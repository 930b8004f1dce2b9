"""Logging in and out: the form (with its own pre-login CSRF token) and the API's JSON login."""

from __future__ import annotations

import secrets

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from kiosk.operator.app import API, LOGIN_COOKIE, SESSION_COOKIE, OperatorSite, page
from kiosk.operator.sessions import Session


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

    return [
        Route("/login", login_form, methods=["GET"]),
        Route("/login", login, methods=["POST"]),
        Route("/logout", page(site, logout, changes=True), methods=["POST"]),
        Route(f"{API}/login", api_login, methods=["POST"]),
    ]
