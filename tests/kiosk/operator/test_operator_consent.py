"""Renewing a consent on the operator page and through the API: a new consent record, audited, the templates kept."""

from __future__ import annotations

from collections.abc import Callable

from hardware.clock import ManualClock
from tests.kiosk.operator.client import Client
from tests.kiosk.operator.conftest import PASSWORD

Stored = Callable[[], tuple[list[str], list[tuple[str, dict[str, object]]]]]
DAY_S = 86400.0


def test_the_page_renews_a_consent_from_today_keeping_the_purpose(client: Client, stored: Stored, operator_clock: ManualClock) -> None:
    client.log_in("ops", PASSWORD)
    people = client.get("/people")
    assert 'id="renew"' in people.text and 'id="consent-until-holder-alice"' in people.text
    form = {"csrf": people.form_token(), "person_id": "holder-alice", "purpose": "", "valid_days": "90", "consent_given": "yes"}
    reply = client.post("/people/renew-consent", form)
    assert reply.status == 303 and reply.headers["Location"].startswith("/people?done=renewed%20the%20consent%20of%20holder-alice")
    (alice,) = client.get("/api/v1/people").json()["people"]
    assert alice["consent"] == {
        "purpose": "entry control at the front door",
        "given_at": operator_clock.wall(),
        "expires_at": operator_clock.wall() + 90 * DAY_S,
        "recorded_by": "operator ops",
    }
    assert alice["templates"] == 1
    audit = stored()[1]
    assert ("operator-change", {"operator": "ops", "action": "consent-renew", "valid_days": 90.0}) in audit
    assert [kind for kind, _ in audit].count("consent-renewal") == 1


def test_the_api_refuses_a_renewal_without_confirmed_consent_too_long_or_for_nobody(client: Client, stored: Stored) -> None:
    csrf = client.request("POST", "/api/v1/login", json_body={"name": "ops", "password": PASSWORD}).json()["csrf_token"]
    headers = {"X-CSRF-Token": csrf}

    def renew(person_id: str, **body: object) -> dict[str, object]:
        reply = client.request("POST", f"/api/v1/people/{person_id}/renew-consent", json_body=body, headers=headers)
        return {"status": reply.status, **reply.json()}

    assert "consent is not confirmed" in str(renew("holder-alice", valid_days=30)["message"])
    assert "storage.consent_max_days" in str(renew("holder-alice", valid_days=100_000, consent_given=True)["message"])
    assert "'holder-bob' is not enrolled" in str(renew("holder-bob", valid_days=30, consent_given=True)["message"])
    assert "never a name" in str(renew("Alice%20Smith", valid_days=30, consent_given=True)["message"])
    assert [kind for kind, _ in stored()[1]].count("consent-renewal") == 0
    renewed = renew("holder-alice", valid_days=30, consent_given=True, purpose="entry control at both doors")
    assert (renewed["status"], renewed["renewed"]) == (200, True)
    assert client.get("/api/v1/people").json()["people"][0]["consent"]["purpose"] == "entry control at both doors"
