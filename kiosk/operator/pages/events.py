"""The events page (filter by time and verdict) and `/api/v1/events` (the export `kiosk events export` writes)."""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from datetime import datetime, timezone

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from kiosk.operator.app import API, OperatorSite, api, page
from kiosk.operator.pages import when
from kiosk.operator.sessions import Session
from kiosk.storage.audit import AuditKind
from kiosk.storage.export import FORMATS, export_row, write_export

EVENTS_ON_PAGE = 200


def routes(site: OperatorSite) -> list[BaseRoute]:
    async def events_page(request: Request, session: Session) -> Response:
        try:
            chosen = _event_filter(request)
        except ValueError as err:
            return site.render("events.html", status_code=400, session=session, events=[], error=str(err), query={}, when=when)
        events = _events(site, chosen)
        query = {key: request.query_params.get(key, "") for key in ("since", "until", "verdict")}
        return site.render("events.html", session=session, events=events[-EVENTS_ON_PAGE:][::-1], total=len(events), error="", query=query, when=when)

    async def api_events(request: Request, session: Session) -> Response:
        form = request.query_params.get("format", "jsonl")
        if form not in FORMATS:
            return JSONResponse({"error": f"format {form!r}: expected one of {', '.join(FORMATS)}"}, status_code=400)
        try:
            chosen = _event_filter(request)
        except ValueError as err:
            return JSONResponse({"error": str(err)}, status_code=400)
        chain = site.storage.audit.verify()
        if not chain.ok and request.query_params.get("despite_broken_audit") != "1":
            return JSONResponse({"error": f"the audit log is broken (first at record {chain.first_broken}: {chain.problem}), so these events "
                                          "cannot be shown to be complete and unaltered; add despite_broken_audit=1 to export anyway"},
                                status_code=409)
        rows = [export_row(event) for event in _events(site, chosen)]
        out = io.StringIO()
        write_export(rows, form, out)
        bounds = {key: value for key, value in (("since", chosen.since), ("until", chosen.until)) if math.isfinite(value)}
        site.storage.audit.append(AuditKind.EXPORT, {"events": len(rows), "format": form, **bounds, "operator": session.name,
                                                        "audit_chain_intact": chain.ok})
        media = "text/csv" if form == "csv" else "application/x-ndjson"
        return Response(out.getvalue(), media_type=media, headers={"Content-Disposition": f'attachment; filename="events.{form}"'})

    return [
        Route("/events", page(site, events_page), methods=["GET"]),
        Route(f"{API}/events", api(site, api_events), methods=["GET"]),
    ]


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
