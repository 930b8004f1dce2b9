"""The gate screen: one full-screen page, its server-sent events, and the camera preview as JPEG.

The page is rendered once; everything after comes over `/events`: a `view` event whenever what is
shown changes (checked every `POLL_S`, so an update leaves within ~25 ms of the decision) and a
`heartbeat` event every `heartbeat_s`. The page says "out of service" when the heartbeats stop
and drops a verdict after its `hold_ms` on its own, so a dead service never leaves "granted" up.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import cv2
import numpy as np
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from kiosk.screens.catalogue import Translator
from kiosk.screens.config import ScreensConfig
from kiosk.screens.guard import BASE_HEADERS, RequestGuard, allowed_hosts
from kiosk.screens.state import GateScreenState

logger = logging.getLogger(__name__)

HERE = Path(__file__).parent
POLL_S = 0.025
PREVIEW_WIDTH_PX = 480
# The screen's own labels, translated once and handed to the page's script.
LABELS = (
    "Granted",
    "Denied",
    "Out of service",
    "The gate is not running. Please ask a member of staff.",
    "Camera unavailable",
    "Temperature",
)


def templates(folder: Path = HERE / "templates") -> Environment:
    return Environment(loader=FileSystemLoader(folder), autoescape=select_autoescape(["html"]))


def gate_screen_app(state: GateScreenState, config: ScreensConfig) -> Starlette:
    translate = Translator.for_language(config.language)
    page = templates().get_template("gate.html")

    async def index(request: Request) -> HTMLResponse:
        settings = {
            "labels": {label: translate(label) for label in LABELS},
            "heartbeat_ms": round(config.heartbeat_s * 1000),
            "preview_interval_ms": round(1000 / config.preview_fps),
        }
        return HTMLResponse(page.render(language=config.language, settings=json.dumps(settings, ensure_ascii=False)))

    async def current(request: Request) -> JSONResponse:
        return JSONResponse(state.view())

    async def events(request: Request) -> StreamingResponse:
        return StreamingResponse(
            _event_stream(state, config.heartbeat_s),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        )

    async def preview(request: Request) -> Response:
        _, frame = state.latest_frame()
        if frame is None:
            return Response(status_code=204, headers={"Cache-Control": "no-store"})
        jpeg = await asyncio.to_thread(preview_jpeg, frame.image)
        return Response(jpeg, media_type="image/jpeg", headers={"Cache-Control": "no-store"})

    return Starlette(
        routes=[
            Route("/", index),
            Route("/state", current),
            Route("/events", events),
            Route("/preview.jpg", preview),
            Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
        ],
        # Only the kiosk's own browser, by the gate's own address: no other name (DNS rebinding), no bodies, not framed.
        middleware=[Middleware(RequestGuard, hosts=allowed_hosts(), max_body_bytes=0, headers=BASE_HEADERS)],
    )


async def _event_stream(state: GateScreenState, heartbeat_s: float) -> AsyncIterator[str]:
    shown: tuple[object, ...] | None = None
    loop = asyncio.get_running_loop()
    next_heartbeat = loop.time()
    while True:
        view = state.view()
        signature = (view["seq"], view["gate"], view["verdict"] is None)
        if signature != shown:
            shown = signature
            yield f"event: view\ndata: {json.dumps(view, ensure_ascii=False)}\n\n"
        if loop.time() >= next_heartbeat:
            next_heartbeat = loop.time() + heartbeat_s
            yield f"event: heartbeat\ndata: {json.dumps({'gate': view['gate']})}\n\n"
        await asyncio.sleep(POLL_S)


def preview_jpeg(image: np.ndarray) -> bytes:
    height, width = image.shape[:2]
    if width > PREVIEW_WIDTH_PX:
        image = cv2.resize(image, (PREVIEW_WIDTH_PX, round(height * PREVIEW_WIDTH_PX / width)), interpolation=cv2.INTER_AREA)
    ok, encoded = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 70])
    if not ok:
        raise ValueError(f"camera frame {width}×{height}: JPEG encoding failed")
    return encoded.tobytes()
