"""The clock line of the operator's status: the service's clock probe (timesyncd or chrony), or 'unknown' saying why."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence

from kiosk.service.clock_sync import clock_synchronised
from tests.kiosk.operator.client import Client
from tests.kiosk.operator.conftest import PASSWORD


def timedatectl_says(code: int, out: str):
    def run(command: Sequence[str]) -> subprocess.CompletedProcess[str] | None:
        return subprocess.CompletedProcess(list(command), code, out, "") if command[0] == "timedatectl" else None

    return run


def test_a_synchronised_and_an_unsynchronised_clock_are_told_apart() -> None:
    assert clock_synchronised(timedatectl_says(0, "yes\n"))["synchronised"] is True
    unsynced = clock_synchronised(timedatectl_says(0, "no\n"))
    assert unsynced["synchronised"] is False and "NTPSynchronized=no" in str(unsynced["detail"])


def test_without_systemd_or_chrony_the_answer_is_unknown_with_the_reason() -> None:
    answer = clock_synchronised(timedatectl_says(1, ""))
    assert answer == {"synchronised": None, "detail": "neither timedatectl nor chronyc reports the clock's synchronisation"}


def test_the_status_api_carries_the_clock_line(client: Client) -> None:
    client.request("POST", "/api/v1/login", json_body={"name": "ops", "password": PASSWORD})
    clock = client.get("/api/v1/status").json()["clock"]
    assert set(clock) == {"synchronised", "detail"} and clock["synchronised"] in (True, False, None)
