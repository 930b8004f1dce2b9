"""The passes page: issue a pass with the site's issuer key and show its QR code (page and `/api/v1/passes`)."""

from __future__ import annotations

from datetime import datetime, timezone

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from kiosk.errors import KioskError
from kiosk.operator.app import API, OperatorSite, api, page
from kiosk.operator.pages import when
from kiosk.operator.passes import MAX_DEVICE_KEY_BYTES, DeviceKey, IssuedPass, PassRefused
from kiosk.operator.passes import issue as issue_pass_for
from kiosk.operator.sessions import Session


def routes(site: OperatorSite) -> list[BaseRoute]:
    async def passes_page(request: Request, session: Session) -> Response:
        can_issue = site.config.operator.pass_issuer_key_file is not None
        return site.render("passes.html", session=session, issued=None, error="", can_issue=can_issue)

    async def issue_page(request: Request, session: Session) -> Response:
        form = await request.form()
        upload = form.get("device_key")
        device_key = None
        if isinstance(upload, UploadFile) and upload.filename:  # a form sent without a file chosen has an empty name
            device_key = DeviceKey(await upload.read(MAX_DEVICE_KEY_BYTES + 1), upload.filename)
        try:
            issued = _issue(site, session, str(form.get("subject", "")), str(form.get("valid_days", "30")), form.get("this_gate_only") == "yes", device_key)
        except (KioskError, ValueError) as err:
            return site.render("passes.html", status_code=400, session=session, issued=None, error=str(err), can_issue=True)
        return site.render("passes.html", session=session, issued=issued, error="", can_issue=True, when=when)

    async def api_issue(request: Request, session: Session) -> Response:
        body = await request.json()
        pem = body.get("device_key_pem")
        device_key = DeviceKey(pem.encode("utf-8", "replace"), "device_key_pem") if isinstance(pem, str) and pem else None
        try:
            issued = _issue(site, session, str(body.get("subject", "")), str(body.get("valid_days", "30")), bool(body.get("this_gate_only")), device_key)
        except (KioskError, ValueError) as err:
            return JSONResponse({"error": str(err)}, status_code=400)
        shown = {"pass": issued.text, "pass_id": issued.pass_id, "expires_at": issued.expires_at.isoformat(), "bound_to_device": issued.bound_to_device}
        return JSONResponse(shown)

    return [
        Route("/passes", page(site, passes_page), methods=["GET"]),
        Route("/passes/issue", page(site, issue_page, changes=True), methods=["POST"]),
        Route(f"{API}/passes", api(site, api_issue, changes=True), methods=["POST"]),
    ]


def _issue(
    site: OperatorSite, session: Session, subject: str, valid_days: str, this_gate_only: bool, device_key: DeviceKey | None
) -> IssuedPass:
    try:
        days = float(valid_days)
    except ValueError as err:
        raise PassRefused(f"valid days {valid_days!r}: expected a number of days") from err
    now = datetime.fromtimestamp(site.clock.wall(), tz=timezone.utc)
    issued = issue_pass_for(site.config, subject, days, this_gate_only, device_key, now)
    site.audit(
        "operator-change",
        operator=session.name,
        action="pass-issue",
        pass_id=issued.pass_id,
        expires_at=issued.expires_at.isoformat(),
        bound_to_device=issued.bound_to_device,
    )
    return issued
