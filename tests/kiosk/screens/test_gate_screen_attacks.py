"""Attacks on the gate screen's server: another host name (DNS rebinding), framing, bodies, floods, slow clients."""

from __future__ import annotations

import http.client
import socket

import numpy as np
import pytest

from hardware.camera import Frame
from kiosk.gate.commands import Decision, Record
from kiosk.screens.config import ScreensConfig
from kiosk.screens.server import MAX_CONCURRENT, ScreenServer
from tests.kiosk.screens.test_gate_app import make_state, serving


def ask(server: ScreenServer, path: str, host: str | None = None, method: str = "GET", body: bytes | None = None) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    headers = {"Host": host} if host is not None else {}
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


@pytest.mark.parametrize("path", ["/", "/state", "/events", "/preview.jpg", "/static/gate.js"])
def test_a_page_that_rebinds_its_own_name_to_the_gate_is_refused_on_every_path(path: str) -> None:
    state, _ = make_state()
    state.step("credential", Frame(np.full((48, 64, 3), 90, np.uint8), 0.0, 0), "up", "normal", None)
    with serving(state, ScreensConfig()) as server:
        assert ask(server, path, host=f"attacker.example:{server.port}").status == 421
        assert ask(server, path, host="attacker.example").status == 421
        assert ask(server, path, host="").status == 421


def test_the_kiosk_browser_reaches_it_by_address_or_localhost() -> None:
    state, _ = make_state()
    with serving(state, ScreensConfig()) as server:
        assert ask(server, "/", host=f"127.0.0.1:{server.port}").status == 200
        assert ask(server, "/", host=f"localhost:{server.port}").status == 200
        assert ask(server, "/", host=f"LOCALHOST:{server.port}").status == 200


def test_the_page_may_not_be_framed_and_sends_no_referrer_elsewhere() -> None:
    state, _ = make_state()
    with serving(state, ScreensConfig()) as server:
        for path in ("/", "/state", "/preview.jpg"):
            headers = ask(server, path).headers
            assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
            assert headers["X-Frame-Options"] == "DENY"
            assert headers["Referrer-Policy"] == "same-origin"
            assert headers["X-Content-Type-Options"] == "nosniff"


def test_a_request_with_a_body_is_refused_before_it_is_read() -> None:
    state, _ = make_state()
    with serving(state, ScreensConfig()) as server, socket.create_connection(("127.0.0.1", server.port), timeout=10) as raw:
        raw.sendall(f"POST /state HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nContent-Length: 1000000000\r\n\r\n".encode())
        assert raw.recv(64).startswith(b"HTTP/1.1 413")


def test_a_very_long_query_string_is_refused_and_the_screen_goes_on() -> None:
    state, _ = make_state()
    with serving(state, ScreensConfig()) as server:
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as raw:
            try:
                raw.sendall(f"GET /?{'a' * 200_000} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n\r\n".encode())
                answer = raw.recv(64)
            except ConnectionError:  # the server closed the connection while the line was still coming: refused as well
                answer = b"HTTP/1.1 400 (closed)"
        assert answer.startswith(b"HTTP/1.1 4") or answer == b"", answer
        assert ask(server, "/").status == 200


def test_a_slow_client_sending_half_a_request_does_not_hold_up_the_screen() -> None:
    state, _ = make_state()
    with serving(state, ScreensConfig()) as server, socket.create_connection(("127.0.0.1", server.port), timeout=10) as slow:
        slow.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        assert ask(server, "/state").status == 200


def open_stream(server: ScreenServer) -> socket.socket:
    stream = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    stream.sendall(f"GET /events HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n\r\n".encode())
    return stream


def read_until(stream: socket.socket, marker: bytes) -> bytes:
    seen = b""
    while marker not in seen:
        chunk = stream.recv(65536)
        assert chunk, f"the stream ended before {marker!r}: {seen[-300:]!r}"
        seen += chunk
    return seen


def test_a_flood_of_event_streams_is_capped_and_the_open_ones_still_hear_the_gate() -> None:
    state, _ = make_state()
    state.step("credential", None, "absent", "normal", None)
    with serving(state, ScreensConfig(heartbeat_s=10)) as server:
        streams: list[socket.socket] = []
        try:
            for _ in range(MAX_CONCURRENT + 1):
                stream = open_stream(server)
                streams.append(stream)
                first = read_until(stream, b"\r\n\r\n")
                if not first.startswith(b"HTTP/1.1 200"):
                    break
            assert first.startswith(b"HTTP/1.1 503"), "past the cap a stream is answered at once, not queued"
            assert MAX_CONCURRENT // 2 < len(streams) <= MAX_CONCURRENT + 1
            state.command(Record(Decision(at=1.0, verdict="denied", reasons=("temperature-high",), message="Entry denied.", detail="x")))
            assert b"Entry denied." in read_until(streams[0], b"Entry denied.")
        finally:
            for stream in streams:
                stream.close()
        assert ask(server, "/state").status == 200, "closed streams free their places"
