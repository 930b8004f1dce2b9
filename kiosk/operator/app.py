"""The operator page and its JSON API (`/api/v1`), one Starlette app with one authentication.

Every route but the login form needs a session (cookie `kiosk_operator`, HttpOnly, SameSite=Strict,
Secure over HTTPS). Every state-changing request carries the session's CSRF token: a form field
`csrf` on the pages, the `X-CSRF-Token` header on the API. The login form has its own token bound
to a pre-login cookie, so a login cannot be forged either. Logins, failures, lock-outs, log-outs
and every change are appended to the audit log. Handlers are async and run on the server's one
event-loop thread, which is also the only thread that touches the operator's database connection.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any, Protocol

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from hardware.clock import Clock
from kiosk.config.schema import KioskConfig
from kiosk.operator.accounts import AccountStore
from kiosk.operator.certificate import certificate_names
from kiosk.operator.enrolment import FaceEnrolment
from kiosk.operator.sessions import Session, SessionStore, csrf_matches
from kiosk.screens.gate_app import templates
from kiosk.screens.guard import BASE_HEADERS, RequestGuard, allowed_hosts
from kiosk.screens.state import GateScreenState
from kiosk.storage.storage import Storage

SESSION_COOKIE = "kiosk_operator"
LOGIN_COOKIE = "kiosk_operator_login"
API = "/api/v1"

Handler = Callable[[Request], Awaitable[Response]]


class TrustChangeAnswer(Protocol):
    """What the running gate answers to a trust update handed to it (kiosk.service.trust_keeper.TrustChange)."""

    done: bool
    reason: str
    message: str
    sequence: int | None


# Hands a signed trust update and who sent it to the running gate, which applies it on its own thread.
TrustUpdates = Callable[[bytes, str], "Future[TrustChangeAnswer]"]


class OperatorSite:
    """The operator's view of one gate: accounts, sessions, the database and the live gate state."""

    def __init__(
        self,
        config: KioskConfig,
        accounts: AccountStore,
        sessions: SessionStore,
        open_storage: Callable[[], Storage],
        gate: GateScreenState | None,
        clock: Clock,
        trust_updates: TrustUpdates | None = None,
    ) -> None:
        self.config = config
        self.accounts = accounts
        self.sessions = sessions
        self._open_storage = open_storage
        self._storage: Storage | None = None
        self.gate = gate
        self.clock = clock
        self.trust_updates = trust_updates  # None without a running gate: updates are applied on disk, used from its next start
        self._secret = secrets.token_bytes(32)
        self._secure = config.operator.tls_cert_file is not None
        self._pages = templates(Path(__file__).parent / "templates")
        self.enrolment = FaceEnrolment(config, clock)

    @property
    def storage(self) -> Storage:
        if self._storage is None:  # opened by the server's own thread, which alone uses it
            self._storage = self._open_storage()
        return self._storage

    def close(self) -> None:
        if self._storage is not None:
            self._storage.close()

    def audit(self, kind: str, **details: Any) -> None:
        self.storage.audit.append(kind, details)

    def login_token(self, nonce: str) -> str:
        return hmac.new(self._secret, nonce.encode(), hashlib.sha256).hexdigest()

    def render(self, name: str, status_code: int = 200, **values: Any) -> HTMLResponse:
        html = self._pages.get_template(name).render(gate_id=self.config.gate.gate_id, **values)
        return HTMLResponse(html, status_code=status_code, headers=NO_STORE)

    def set_cookie(self, response: Response, name: str, value: str) -> None:
        response.set_cookie(name, value, httponly=True, samesite="strict", secure=self._secure, path="/")


NO_STORE = {"Cache-Control": "no-store"}
# A form or JSON body; multipart uploads (a photo, a trust update, a device key) may reach the largest of those.
MAX_BODY_BYTES = 64 * 1024
MAX_UPLOAD_BYTES = 21 * 1024 * 1024


def _session(site: OperatorSite, request: Request) -> Session | None:
    """The request's live session, ended here if its account has been removed from the accounts file since the login."""
    token = request.cookies.get(SESSION_COOKIE)
    session = site.sessions.get(token)
    if session is not None and session.name not in site.accounts.names():
        site.sessions.end(token)
        site.audit("operator-session-ended", operator=session.name, reason="account-removed")
        return None
    return session


def page(site: OperatorSite, handler: Callable[[Request, Session], Awaitable[Response]], *, changes: bool = False) -> Handler:
    """A page for logged-in operators: no session -> the login form; a change without its CSRF token -> 403."""

    async def guarded(request: Request) -> Response:
        session = _session(site, request)
        if session is None:
            return RedirectResponse("/login", status_code=303)
        if changes:
            form = await request.form()
            presented = form.get("csrf")
            if not csrf_matches(session, presented if isinstance(presented, str) else None):
                site.audit("operator-csrf-refused", operator=session.name, path=request.url.path)
                return Response("CSRF token missing or wrong", status_code=403)
        return await handler(request, session)

    return guarded


def api(site: OperatorSite, handler: Callable[[Request, Session], Awaitable[Response]], *, changes: bool = False) -> Handler:
    """An API route: no session -> 401; a change without the X-CSRF-Token header -> 403."""

    async def guarded(request: Request) -> Response:
        session = _session(site, request)
        if session is None:
            return JSONResponse({"error": "not-logged-in"}, status_code=401, headers=NO_STORE)
        if changes and not csrf_matches(session, request.headers.get("X-CSRF-Token")):
            site.audit("operator-csrf-refused", operator=session.name, path=request.url.path)
            return JSONResponse({"error": "csrf-token-missing-or-wrong"}, status_code=403, headers=NO_STORE)
        return await handler(request, session)

    return guarded


def operator_app(site: OperatorSite) -> Starlette:
    from kiosk.operator import routes

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        site.close()  # on the server's thread, the one that opened the database connection

    settings = site.config.operator
    guard = Middleware(
        RequestGuard,
        hosts=allowed_hosts([*settings.host_names, *certificate_names(settings.tls_cert_file)]),
        max_body_bytes=MAX_BODY_BYTES,
        max_upload_bytes=MAX_UPLOAD_BYTES,
        headers={**BASE_HEADERS, **NO_STORE},  # every operator reply may hold personal data: never cached
    )
    return Starlette(routes=routes.routes(site), middleware=[guard], lifespan=lifespan)
