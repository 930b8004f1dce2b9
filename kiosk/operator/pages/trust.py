"""The trust page: what the gate trusts now, and applying a signed update (page and `/api/v1/trust`)."""

from __future__ import annotations

from urllib.parse import quote

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from kiosk.credentials.updates import UpdateOutcome, apply_update
from kiosk.operator.app import API, OperatorSite, api, page
from kiosk.operator.sessions import Session
from kiosk.operator.trust_view import trust_summary
from kiosk.storage.audit import AuditKind

MAX_UPDATE_BYTES = 16 * 1024 * 1024


def routes(site: OperatorSite) -> list[BaseRoute]:
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

    return [
        Route("/trust", page(site, trust_page), methods=["GET"]),
        Route("/trust/update", page(site, trust_update_page, changes=True), methods=["POST"]),
        Route(f"{API}/trust", api(site, api_trust), methods=["GET"]),
        Route(f"{API}/trust/update", api(site, api_trust_update, changes=True), methods=["POST"]),
    ]


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
