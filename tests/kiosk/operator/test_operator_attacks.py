"""Attacks on the operator page beyond a missing session or token: other host names, other origins, session
fixation and replay, account-name variants, huge bodies, hostile input and what error replies give away."""

from __future__ import annotations

import http.client
import io
import socket
import ssl
import struct
import zlib
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from kiosk.config.schema import KioskConfig
from kiosk.operator import accounts
from kiosk.operator.app import MAX_BODY_BYTES, MAX_UPLOAD_BYTES
from kiosk.operator.certificate import write_self_signed
from kiosk.operator.site import OperatorPage, open_operator_page
from tests.kiosk.operator.client import Client
from tests.kiosk.operator.conftest import PASSWORD

Stored = Callable[[], tuple[list[str], list[tuple[str, dict[str, object]]]]]


def api_login(client: Client) -> str:
    reply = client.request("POST", "/api/v1/login", json_body={"name": "ops", "password": PASSWORD})
    assert reply.status == 200
    return str(reply.json()["csrf_token"])


@pytest.mark.parametrize("path", ["/login", "/api/v1/status", "/static/operator.css"])
def test_a_page_that_rebinds_its_own_name_to_the_operator_port_is_refused(client: Client, path: str) -> None:
    assert client.request("GET", path, headers={"Host": f"attacker.example:{client.port}"}).status == 421


def test_a_rebound_page_cannot_try_passwords_or_lock_the_operator_out(client: Client, stored: Stored) -> None:
    for attempt in range(6):
        reply = client.request("POST", "/api/v1/login", json_body={"name": "ops", "password": f"guess-{attempt}"}, headers={"Host": "attacker.example"})
        assert reply.status == 421
    assert [kind for kind, _ in stored()[1] if kind.startswith("operator")] == []
    assert client.log_in("ops", PASSWORD).status == 303


def test_addresses_configured_names_and_the_certificates_names_are_served(operator_config: KioskConfig, tmp_path: Path) -> None:
    cert, key = tmp_path / "op.crt", tmp_path / "op.key"
    write_self_signed(cert, key, ["kiosk.local", "127.0.0.1"], 30)
    settings = replace(operator_config.operator, host_names=["Gate-3.example.lan"], tls_cert_file=cert, tls_key_file=key)
    page = open_operator_page(replace(operator_config, operator=settings), None, port=0)
    assert page.server is not None
    try:
        def status(host: str) -> int:
            connection = http.client.HTTPSConnection("127.0.0.1", page.server.port, timeout=10, context=ssl.create_default_context(cafile=str(cert)))  # type: ignore[union-attr]
            connection.request("GET", "/login", headers={"Host": host})
            answer = connection.getresponse()
            connection.close()
            return answer.status

        served = ["gate-3.example.lan:8443", "kiosk.local", "localhost", "192.0.2.10:8443", "[::1]:8443"]
        assert [status(host) for host in served] == [200] * len(served)
        assert [status(host) for host in ("gate-4.example.lan", "kiosk.local.attacker.example", "")] == [421] * 3
    finally:
        page.stop()


def test_a_change_sent_from_another_origin_is_refused_even_with_session_and_token(client: Client, stored: Stored) -> None:
    token = api_login(client)
    for origin in ("http://attacker.example", "null", f"http://127.0.0.1:{client.port + 1}"):
        reply = client.request("POST", "/api/v1/people/holder-alice/forget", json_body={}, headers={"X-CSRF-Token": token, "Origin": origin})
        assert reply.status == 403
    assert stored()[0] == ["holder-alice"]
    same = client.request("POST", "/api/v1/people/holder-alice/forget", json_body={}, headers={"X-CSRF-Token": token, "Origin": f"http://127.0.0.1:{client.port}"})
    assert same.status == 200 and stored()[0] == []


def test_a_session_cookie_planted_before_the_login_is_not_the_one_after_it(client: Client) -> None:
    client.cookies["kiosk_operator"] = "planted-by-attacker"
    assert client.log_in("ops", PASSWORD).status == 303
    assert client.cookies["kiosk_operator"] != "planted-by-attacker"
    planted = Client(client.port, {"kiosk_operator": "planted-by-attacker"})
    assert planted.get("/api/v1/status").status == 401


def test_a_session_replayed_after_the_log_out_is_refused(client: Client) -> None:
    assert client.log_in("ops", PASSWORD).status == 303
    copied = Client(client.port, dict(client.cookies))
    token = client.get("/people").form_token()
    assert client.post("/logout", {"csrf": token}).status == 303
    assert copied.get("/api/v1/status").status == 401
    assert copied.post("/people/holder-alice/forget", {"csrf": token}).status == 303  # to the login form, nothing forgotten


def test_a_session_ends_once_its_account_is_removed(operator_page: OperatorPage, client: Client, stored: Stored) -> None:
    api_login(client)
    assert client.get("/api/v1/status").status == 200
    accounts_file = operator_page.site.accounts.path
    accounts_file.write_text("{}", encoding="utf-8")  # the account taken out of the file while the page runs
    assert client.get("/api/v1/status").status == 401
    assert ("operator-session-ended", {"operator": "ops", "reason": "account-removed"}) in stored()[1]


@pytest.mark.parametrize("variant", ["OPS", " ops", "ops ", "Ops", "ops\n"])
def test_name_variants_neither_log_in_nor_count_towards_the_real_accounts_lock_out(client: Client, variant: str) -> None:
    for _ in range(accounts.MAX_FAILURES):
        assert client.log_in(variant, "wrong-password").status == 401
    assert client.log_in(variant, PASSWORD).status == 401
    assert client.log_in("ops", PASSWORD).status == 303


def test_every_login_costs_one_scrypt_whether_the_account_is_unknown_locked_or_real(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    real = accounts._hash
    calls: list[str] = []

    def counted(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
        calls.append(password)
        return real(password, salt, n, r, p)

    monkeypatch.setattr(accounts, "_hash", counted)
    for attempt in range(accounts.MAX_FAILURES):
        client.log_in("ops", f"wrong-{attempt}")
    client.log_in("nobody", "wrong")
    client.log_in("ops", "while-locked")
    assert calls == [*(f"wrong-{attempt}" for attempt in range(accounts.MAX_FAILURES)), "wrong", "while-locked"]


def raw_post(port: int, path: str, headers: dict[str, str], body: bytes = b"") -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        head = "".join(f"{name}: {value}\r\n" for name, value in {"Host": f"127.0.0.1:{port}", **headers}.items())
        raw.sendall(f"POST {path} HTTP/1.1\r\n{head}\r\n".encode() + body)
        return raw.recv(256)


def test_a_huge_json_body_is_refused_from_its_length_before_it_is_read(client: Client) -> None:
    answer = raw_post(client.port, "/api/v1/login", {"Content-Type": "application/json", "Content-Length": str(1 << 30)})
    assert answer.startswith(b"HTTP/1.1 413")


def test_a_chunked_json_body_is_cut_off_past_the_limit(client: Client) -> None:
    chunk = b"a" * 16384
    body = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(MAX_BODY_BYTES // len(chunk) + 2)) + b"0\r\n\r\n"
    answer = raw_post(client.port, "/api/v1/login", {"Content-Type": "application/json", "Transfer-Encoding": "chunked"}, body)
    assert answer.startswith(b"HTTP/1.1 413")


def test_an_upload_past_the_largest_file_is_refused_before_a_session_is_even_checked(client: Client) -> None:
    headers = {"Content-Type": "multipart/form-data; boundary=x", "Content-Length": str(MAX_UPLOAD_BYTES + 1)}
    assert raw_post(client.port, "/api/v1/people/visitor-1/enroll", headers).startswith(b"HTTP/1.1 413")


def bomb_png(width: int, height: int) -> bytes:
    """A PNG whose header claims width x height grey pixels, its data a small zlib stream of zero rows."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = zlib.compress(b"\0" * (width + 1) * 64, 9)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")


def multipart(fields: dict[str, str], file_name: str, content: bytes) -> tuple[bytes, str]:
    boundary = "attackboundary"
    out = io.BytesIO()
    for name, value in fields.items():
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="photo"; filename="{file_name}"\r\nContent-Type: image/png\r\n\r\n'.encode())
    out.write(content + f"\r\n--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


def test_a_decompression_bomb_photo_is_refused_by_its_header(client: Client, stored: Stored) -> None:
    token = api_login(client)
    body, kind = multipart({"consent_given": "yes", "valid_days": "30", "purpose": "entry"}, "bomb.png", bomb_png(60000, 60000))
    reply = client.request("POST", "/api/v1/people/visitor-1/enroll", headers={"X-CSRF-Token": token, "Content-Type": kind}, body=body)
    assert reply.status == 400 and not reply.json()["enrolled"]
    assert "60000" in reply.json()["message"]
    assert stored()[0] == ["holder-alice"]
    assert client.get("/api/v1/status").status == 200


@pytest.mark.parametrize("person_id", ["..%2F..%2Fetc", "%2e%2e", "holder-alice%0d%0aSet-Cookie:%20x=1", "<b>x</b>"])
def test_hostile_person_ids_in_the_path_are_refused(client: Client, stored: Stored, person_id: str) -> None:
    token = api_login(client)
    reply = client.request("POST", f"/api/v1/people/{person_id}/forget", json_body={}, headers={"X-CSRF-Token": token})
    assert reply.status in (400, 404)
    assert "Set-Cookie" not in str(reply.headers).replace("set-cookie: kiosk", "")
    assert stored()[0] == ["holder-alice"]


def test_a_purpose_with_markup_is_shown_as_text(client: Client) -> None:
    token = api_login(client)
    purpose = '<script>alert(1)</script>" onmouseover="x'
    reply = client.request(
        "POST", "/api/v1/people/holder-alice/renew-consent", json_body={"consent_given": True, "valid_days": 10, "purpose": purpose}, headers={"X-CSRF-Token": token}
    )
    assert reply.status == 200, reply.text
    page = client.get("/people").text
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert '" onmouseover="x' not in page


def test_an_error_in_a_handler_answers_without_traceback_path_or_account(operator_page: OperatorPage, client: Client) -> None:
    operator_page.site.accounts.path.write_text("{not json", encoding="utf-8")
    reply = client.request("POST", "/api/v1/login", json_body={"name": "ops", "password": PASSWORD})
    assert reply.status == 500
    assert reply.text == "Internal Server Error"
    assert "Traceback" not in reply.text and str(operator_page.site.accounts.path) not in reply.text


@pytest.mark.parametrize("path", ["/login", "/api/v1/status", "/api/v1/events?format=csv", "/people"])
def test_every_reply_carries_the_security_headers_and_is_never_cached(client: Client, path: str) -> None:
    api_login(client)
    headers = client.get(path).headers
    assert headers["Cache-Control"] == "no-store"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"] and headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin" and headers["X-Content-Type-Options"] == "nosniff"
