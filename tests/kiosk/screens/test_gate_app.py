"""The gate screen's web side: the page, its event stream, the preview, and the server in its thread."""

from __future__ import annotations

import asyncio
import json
import socket
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import pytest

from hardware.camera import Frame
from hardware.clock import ManualClock
from kiosk.errors import KioskError
from kiosk.gate.commands import Decision, Record, Show
from kiosk.screens.catalogue import Translator
from kiosk.screens.config import ScreensConfig
from kiosk.screens.gate_app import _event_stream, gate_screen_app
from kiosk.screens.server import ScreenServer
from kiosk.screens.state import GateScreenState


def make_state(language: str = "en") -> tuple[GateScreenState, ManualClock]:
    clock = ManualClock()
    return GateScreenState(Translator.for_language(language), 2.0, False, 3.0, clock), clock


@contextmanager
def serving(state: GateScreenState, config: ScreensConfig) -> Iterator[ScreenServer]:
    server = ScreenServer(gate_screen_app(state, config), "127.0.0.1", 0, "gate screen")
    server.start()
    try:
        yield server
    finally:
        server.stop()


def get(server: ScreenServer, path: str) -> tuple[int, str, bytes]:
    with urllib.request.urlopen(server.url + path, timeout=10) as response:
        return response.status, response.headers["content-type"] or "", response.read()


def test_the_page_carries_its_labels_in_the_configured_language() -> None:
    state, _ = make_state()
    with serving(state, ScreensConfig(language="de")) as server:
        status, _, body = get(server, "")
        assert status == 200
        page = body.decode()
        assert '<html lang="de">' in page
        assert "Außer Betrieb" in page
        assert get(server, "static/gate.js")[0] == 200


def test_the_preview_is_empty_until_a_frame_arrives_then_a_jpeg() -> None:
    state, _ = make_state()
    with serving(state, ScreensConfig()) as server:
        assert get(server, "preview.jpg")[0] == 204
        state.step("credential", Frame(np.full((720, 1280, 3), 128, np.uint8), 0.0, 0), "up", "normal", None)
        status, content_type, jpeg = get(server, "preview.jpg")
        assert (status, content_type, jpeg[:2]) == (200, "image/jpeg", b"\xff\xd8")


def test_the_event_stream_sends_the_view_then_heartbeats_then_each_change() -> None:
    state, _ = make_state()
    state.step("credential", None, "absent", "normal", None)

    async def first_three() -> list[str]:
        stream = _event_stream(state, heartbeat_s=60.0)
        view, heartbeat = await anext(stream), await anext(stream)
        state.command(Show("Please hold still for the temperature check."))
        decision = Decision(at=1.0, verdict="denied", reasons=("temperature-high",), message="Entry denied.", detail="x")
        state.command(Record(decision))
        return [view, heartbeat, await anext(stream)]

    view, heartbeat, change = asyncio.run(first_three())
    assert view.startswith("event: view\n") and json.loads(view.split("data: ")[1])["step"] == "credential"
    assert heartbeat == 'event: heartbeat\ndata: {"gate": "serving"}\n\n'
    assert json.loads(change.split("data: ")[1])["verdict"]["sentence"] == "Entry denied."


def test_the_server_runs_in_its_own_thread_on_localhost() -> None:
    state, _ = make_state()
    state.step("credential", None, "absent", "normal", None)
    with serving(state, ScreensConfig()) as server:
        assert json.loads(get(server, "state")[2])["gate"] == "serving"


def test_a_port_in_use_is_named_with_what_was_expected() -> None:
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen(1)
    port = taken.getsockname()[1]
    state, _ = make_state()
    try:
        with pytest.raises(KioskError, match=rf"gate screen 127.0.0.1:{port}: cannot listen .*expected a free port"):
            ScreenServer(gate_screen_app(state, ScreensConfig()), "127.0.0.1", port, "gate screen")
    finally:
        taken.close()
