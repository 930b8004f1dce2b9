"""The operator page's protections: sessions on every route, CSRF on every change, lock-out, no names."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from starlette.routing import Mount, Route

from kiosk.operator.app import operator_app
from kiosk.operator.site import OperatorPage
from tests.kiosk.operator.client import Client
from tests.kiosk.operator.conftest import PASSWORD

Stored = Callable[[], tuple[list[str], list[tuple[str, dict[str, object]]]]]
PUBLIC = {("GET", "/login"), ("POST", "/login"), ("POST", "/api/v1/login")}


def every_route(page: OperatorPage) -> list[tuple[str, str]]:
    found = []
    for route in operator_app(page.site).routes:
        if isinstance(route, Mount):
            continue  # the stylesheet
        assert isinstance(route, Route)
        path = route.path.replace("{person_id}", "holder-alice")
        found += [(method, path) for method in sorted(route.methods or ()) if method != "HEAD"]
    return found


def test_every_operator_route_refuses_a_request_without_a_session(operator_page: OperatorPage, client: Client, stored: Stored) -> None:
    routes = [route for route in every_route(operator_page) if route not in PUBLIC]
    assert len(routes) >= 7
    for method, path in routes:
        reply = client.request(method, path, form={} if method == "POST" else None)
        if path.startswith("/api/"):
            assert (method, path, reply.status, reply.json()) == (method, path, 401, {"error": "not-logged-in"})
        else:
            assert (method, path, reply.status, reply.headers["Location"]) == (method, path, 303, "/login")
    assert stored()[0] == ["holder-alice"], "nothing was forgotten"


def test_a_forged_session_cookie_is_refused(client: Client) -> None:
    client.cookies["kiosk_operator"] = "made-up-token"
    assert client.get("/api/v1/status").status == 401


def test_a_change_without_the_csrf_token_is_refused_and_audited(client: Client, stored: Stored) -> None:
    assert client.log_in("ops", PASSWORD).status == 303
    assert client.post("/people/holder-alice/forget", {}).status == 403
    assert client.post("/people/holder-alice/forget", {"csrf": "not-the-token"}).status == 403
    assert client.post("/api/v1/people/holder-alice/forget", json_body={}).status == 403
    people, audit = stored()
    assert people == ["holder-alice"]
    assert [kind for kind, _ in audit].count("operator-csrf-refused") == 3


def test_every_change_refuses_a_logged_in_request_without_its_csrf_token(operator_page: OperatorPage, client: Client, stored: Stored) -> None:
    assert client.request("POST", "/api/v1/login", json_body={"name": "ops", "password": PASSWORD}).status == 200
    audited_before = len(stored()[1])
    changes = [(method, path) for method, path in every_route(operator_page) if method == "POST" and (method, path) not in PUBLIC]
    assert {"/people/capture", "/people/renew-consent", "/api/v1/people/holder-alice/capture", "/api/v1/people/holder-alice/renew-consent"} <= {
        path for _, path in changes
    }
    for method, path in changes:
        if path.startswith("/api/"):
            reply = client.request(method, path, json_body={"consent_given": True, "valid_days": 30, "subject": "holder-alice"})
            assert (path, reply.status, reply.json()) == (path, 403, {"error": "csrf-token-missing-or-wrong"})
        else:
            reply = client.request(method, path, form={"person_id": "holder-alice", "consent_given": "yes", "csrf": "forged"})
            assert (path, reply.status) == (path, 403)
    people, audit = stored()
    assert people == ["holder-alice"]
    assert [kind for kind, _ in audit[audited_before:]] == ["operator-csrf-refused"] * len(changes)
    assert client.get("/api/v1/status").status == 200, "the refused log-out left the session alone"


def test_a_login_without_its_form_token_is_refused(client: Client) -> None:
    client.get("/login")
    assert client.post("/login", {"name": "ops", "password": PASSWORD, "csrf": "forged"}).status == 403
    assert "kiosk_operator" not in client.cookies


def test_five_wrong_passwords_lock_the_account_even_for_the_right_one(operator_page: OperatorPage, client: Client, stored: Stored) -> None:
    for attempt in range(4):
        assert "Wrong name or password." in client.log_in("ops", f"wrong-{attempt}").text
    assert "This account is locked." in client.log_in("ops", "wrong-4").text
    locked = client.log_in("ops", PASSWORD)
    assert locked.status == 401 and "kiosk_operator" not in client.cookies
    kinds = [kind for kind, _ in stored()[1]]
    assert kinds.count("operator-login-failed") == 6 and kinds.count("operator-locked") == 1
    operator_page.site.clock.advance(operator_page.site.config.operator.lockout_s)  # type: ignore[attr-defined]
    assert client.log_in("ops", PASSWORD).status == 303


def test_a_right_password_resets_the_count_of_failures(client: Client) -> None:
    for _ in range(4):
        client.log_in("ops", "wrong-password")
    assert client.log_in("ops", PASSWORD).status == 303
    client.cookies.clear()
    for _ in range(4):
        client.log_in("ops", "wrong-password")
    assert client.log_in("ops", PASSWORD).status == 303


def test_logins_log_outs_and_changes_are_audited_without_secrets(client: Client, stored: Stored) -> None:
    client.log_in("ops", "wrong-password")
    client.log_in("ops", PASSWORD)
    token = client.get("/people").form_token()
    client.post("/people/holder-alice/forget", {"csrf": token})
    client.post("/logout", {"csrf": token})
    people, audit = stored()
    assert people == []
    assert [(kind, details) for kind, details in audit if kind.startswith("operator")] == [
        ("operator-login-failed", {"operator": "ops", "reason": "wrong-password"}),
        ("operator-login", {"operator": "ops"}),
        ("operator-change", {"operator": "ops", "action": "people-forget", "erased": True}),
        ("operator-logout", {"operator": "ops"}),
    ]
    assert PASSWORD not in repr(audit)
    assert client.get("/").status == 303, "the session ended with the log-out"


@pytest.mark.parametrize("path", ["/api/v1/status", "/api/v1/people", "/api/v1/camera/check", "/api/v1/events", "/", "/people", "/events", "/passes"])
def test_no_credential_content_or_name_reaches_the_pages_or_the_api(client: Client, path: str) -> None:
    reply = client.request("POST", "/api/v1/login", json_body={"name": "ops", "password": PASSWORD})
    assert reply.status == 200
    text = client.get(path).text
    assert PASSWORD not in text
    assert "password_hash" not in text and "salt" not in text
    assert "HC1:" not in text and "KP1:" not in text and "shc:/" not in text
