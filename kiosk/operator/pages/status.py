"""The status page (the landing page) and `/api/v1/status`."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from kiosk.operator.app import API, OperatorSite, api, page
from kiosk.operator.pages import when
from kiosk.operator.sessions import Session
from kiosk.operator.status import gate_status


def routes(site: OperatorSite) -> list[BaseRoute]:
    async def status_page(request: Request, session: Session) -> Response:
        status = gate_status(site.config, site.storage, site.gate, site.clock)
        return site.render("status.html", session=session, status=status, when=when)

    async def api_status(request: Request, session: Session) -> Response:
        return JSONResponse(gate_status(site.config, site.storage, site.gate, site.clock))

    return [
        Route("/", page(site, status_page), methods=["GET"]),
        Route(f"{API}/status", api(site, api_status), methods=["GET"]),
    ]
