"""The status's live block: the gate's mode and whether it decides by its clock, as the gate loop last told the screens.

The gate loop's side is a real GateMachine, its mode and clock handed to a real GateScreenState as the runner hands them.
"""

from __future__ import annotations

import pytest

from hardware.clock import ManualClock
from kiosk.gate.events import ClockChecked, OperatorCommand
from kiosk.gate.machine import GateMachine
from kiosk.gate.policy import GatePolicy
from kiosk.screens.catalogue import Translator
from kiosk.screens.state import GateScreenState
from tests.kiosk.operator.client import Client
from tests.kiosk.operator.conftest import PASSWORD

POLICY = GatePolicy(("credential",), unlock_s=3.0, visit_timeout_s=10.0, held_open_alarm_s=20.0, exit_unlock_s=2.0, when_check_unavailable="deny")
FAULT = "the clock is unsynchronised (timedatectl: NTPSynchronized=no)"


@pytest.fixture
def gate_state(operator_clock: ManualClock) -> GateScreenState:
    return GateScreenState(Translator.for_language("en"), 5.0, False, 3.0, operator_clock)


def turn(gate: GateScreenState, machine: GateMachine) -> None:
    """One turn of the gate loop, as the runner hands it to the screens."""
    gate.step(machine.awaiting, None, "absent", machine.mode, machine.clock_fault)


def test_the_status_tells_the_mode_and_a_clock_the_gate_does_not_decide_by(client: Client, gate_state: GateScreenState) -> None:
    client.request("POST", "/api/v1/login", json_body={"name": "ops", "password": PASSWORD})
    machine = GateMachine(POLICY)
    machine.handle(OperatorCommand(1.0, "lock-down"))
    machine.handle(ClockChecked(1.0, FAULT))
    turn(gate_state, machine)
    live = client.get("/api/v1/status").json()["live"]
    assert (live["mode"], live["clock_trusted"], live["clock_fault"]) == ("lock-down", False, FAULT)
    page = client.get("/").text
    assert '<td id="live-mode">lock-down</td>' in page
    assert f"NO: every visit is denied clock-unsynchronised ({FAULT})" in page

    machine.handle(OperatorCommand(2.0, "lift-lock-down"))
    machine.handle(ClockChecked(2.0, None))
    turn(gate_state, machine)
    live = client.get("/api/v1/status").json()["live"]
    assert (live["mode"], live["clock_trusted"], live["clock_fault"]) == ("normal", True, None)
    assert '<td id="live-clock">yes</td>' in client.get("/").text


def test_before_the_gate_loop_turns_the_status_claims_nothing(client: Client) -> None:
    client.request("POST", "/api/v1/login", json_body={"name": "ops", "password": PASSWORD})
    live = client.get("/api/v1/status").json()["live"]
    assert (live["mode"], live["clock_trusted"], live["clock_fault"]) == ("unknown", None, None)
    assert '<td id="live-clock">unknown</td>' in client.get("/").text


def test_the_status_lists_consents_that_end_soon_so_they_can_be_renewed(client: Client) -> None:
    csrf = client.request("POST", "/api/v1/login", json_body={"name": "ops", "password": PASSWORD}).json()["csrf_token"]
    ending = client.get("/api/v1/status").json()["consents_ending"]
    assert [person["person_id"] for person in ending] == ["holder-alice"], "the fixture's consent ends in a day"
    assert "holder-alice" in client.get("/").text.split('id="consents-ending"')[1].split("</td>")[0]
    renewed = client.request("POST", "/api/v1/people/holder-alice/renew-consent", headers={"X-CSRF-Token": csrf},
                             json_body={"consent_given": True, "valid_days": 90})
    assert renewed.status == 200
    assert client.get("/api/v1/status").json()["consents_ending"] == []
