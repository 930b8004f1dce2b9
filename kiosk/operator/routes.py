"""Every route of the operator page and its API, gathered from one module per page."""

from __future__ import annotations

from pathlib import Path

from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

from kiosk.operator.app import OperatorSite
from kiosk.operator.pages import events, login, passes, people, status, trust


def routes(site: OperatorSite) -> list[BaseRoute]:
    pages = [login, status, people, events, trust, passes]
    static = Mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")
    return [route for module in pages for route in module.routes(site)] + [static]
