"""The clock line of the operator's status: timedatectl's answer, or 'unknown' saying why."""

from __future__ import annotations

from kiosk.operator.clock_sync import parse_ntp_synchronized
from tests.kiosk.operator.client import Client
from tests.kiosk.operator.conftest import PASSWORD


def test_a_synchronised_and_an_unsynchronised_clock_are_told_apart() -> None:
    assert parse_ntp_synchronized(0, "yes\n", "")["synchronised"] is True
    unsynced = parse_ntp_synchronized(0, "no\n", "")
    assert unsynced["synchronised"] is False and "NOT synchronised" in str(unsynced["detail"])


def test_without_systemd_the_answer_is_unknown_with_the_reason() -> None:
    answer = parse_ntp_synchronized(1, "", "System has not been booted with systemd as init system (PID 1). Can't operate.\nFailed to connect to bus")
    assert answer == {"synchronised": None, "detail": "timedatectl: System has not been booted with systemd as init system (PID 1). Can't operate."}


def test_the_status_api_carries_the_clock_line(client: Client) -> None:
    client.request("POST", "/api/v1/login", json_body={"name": "ops", "password": PASSWORD})
    clock = client.get("/api/v1/status").json()["clock"]
    assert set(clock) == {"synchronised", "detail"} and clock["synchronised"] in (True, False, None)
