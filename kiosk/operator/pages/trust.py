"""The trust page: what the gate trusts now, and applying a signed update (page and `/api/v1/trust`)."""

from __future__ import annotations

import asyncio
from urllib.parse import quote

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from kiosk.credentials.updates import UpdateOutcome, apply_update
from kiosk.operator.app import API, OperatorSite, TrustUpdates, api, page
from kiosk.operator.sessions import Session
from kiosk.operator.trust_view import trust_summary
from kiosk.storage.audit import AuditKind

MAX_UPDATE_BYTES = 16 * 1024 * 1024
GATE_ANSWER_WAIT_S = 10.0


def routes(site: OperatorSite) -> list[BaseRoute]:
    async def trust_page(request: Request, session: Session) -> Response:
        message = request.query_params.get("done", "")
        return site.render("trust.html", session=session, trust=trust_summary(site.config), message=message, live=site.trust_updates is not None)

    async def trust_update_page(request: Request, session: Session) -> Response:
        upload = (await request.form()).get("update")
        if not isinstance(upload, UploadFile):
            return RedirectResponse("/trust?done=" + quote("No update file was chosen."), status_code=303)
        outcome = await _apply_update(site, session, await upload.read(MAX_UPDATE_BYTES + 1))
        return RedirectResponse("/trust?done=" + quote(outcome.message), status_code=303)

    async def api_trust(request: Request, session: Session) -> Response:
        return JSONResponse(trust_summary(site.config))

    async def api_trust_update(request: Request, session: Session) -> Response:
        body = await request.body()
        outcome = await _apply_update(site, session, body)
        status = 200 if outcome.applied else 400
        return JSONResponse({"applied": outcome.applied, "sequence": outcome.sequence, "reason": outcome.reason, "message": outcome.message}, status_code=status)

    return [
        Route("/trust", page(site, trust_page), methods=["GET"]),
        Route("/trust/update", page(site, trust_update_page, changes=True), methods=["POST"]),
        Route(f"{API}/trust", api(site, api_trust), methods=["GET"]),
        Route(f"{API}/trust/update", api(site, api_trust_update, changes=True), methods=["POST"]),
    ]


async def _apply_update(site: OperatorSite, session: Session, update: bytes) -> UpdateOutcome:
    """Apply a signed trust update (verified by its signature, as `kiosk credential update-trust`); audited either way.

    Beside a running gate the update goes to the gate, which applies it and uses it at once (and
    audits it); without one it is applied on disk here and used from the gate's next start.
    """
    by = f"operator {session.name}"
    if len(update) > MAX_UPDATE_BYTES:
        outcome = UpdateOutcome(False, None, "too-large", f"The update is larger than {MAX_UPDATE_BYTES // (1024 * 1024)} MiB.")
    elif site.trust_updates is not None:
        return await _hand_to_gate(site.trust_updates, update, by)
    else:
        outcome = apply_update(site.config.credentials.trust_dir, update)
    site.storage.audit.append(
        AuditKind.TRUST_LIST_UPDATE, {"operator": session.name, "applied": outcome.applied, "sequence": outcome.sequence, "reason": outcome.reason}
    )
    return outcome


async def _hand_to_gate(trust_updates: TrustUpdates, update: bytes, by: str) -> UpdateOutcome:
    answer = trust_updates(update, by)
    try:
        change = await asyncio.wait_for(asyncio.wrap_future(answer), GATE_ANSWER_WAIT_S)
    except asyncio.TimeoutError:  # cancelled, so a gate loop that comes back later does not apply it unseen
        message = f"The gate did not answer within {GATE_ANSWER_WAIT_S:.0f} s; see its audit log for whether the update was applied."
        return UpdateOutcome(False, None, "gate-not-answering", message)
    except Exception as err:  # the gate logged it and kept its last good store
        return UpdateOutcome(False, None, "not-applied", f"The gate could not apply the update ({err}); the last good store stays in use.")
    return UpdateOutcome(change.done, change.sequence, change.reason, change.message)
