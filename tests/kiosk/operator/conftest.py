"""An operator page on a real server over a temporary database, with one account and one enrolled person."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pytest

from hardware.clock import ManualClock
from kiosk.config.schema import KioskConfig
from kiosk.operator.config import OperatorConfig
from kiosk.operator.site import OperatorPage, open_operator_page
from kiosk.screens.state import GateScreenState
from kiosk.storage.config import StorageConfig
from kiosk.storage.events import DecisionRecord
from kiosk.storage.people import Consent
from kiosk.storage.storage import Storage
from tests.kiosk.operator.client import Client

PASSWORD = "correct horse battery"


@dataclass(frozen=True)
class Template:
    embedding: np.ndarray
    masked: bool = False
    variant: str = "plain"


@pytest.fixture
def operator_config(tmp_path: Path) -> KioskConfig:
    storage = StorageConfig(path=tmp_path / "kiosk.db", device_key_file=tmp_path / "device.key")
    operator = OperatorConfig(enabled=True, accounts_file=tmp_path / "operators.json")
    return replace(KioskConfig(), storage=storage, operator=operator)


@pytest.fixture
def operator_clock() -> ManualClock:
    return ManualClock(wall_offset_s=1_780_000_000.0)


@pytest.fixture
def gate_state() -> GateScreenState | None:
    """The gate loop's state beside the page: none unless a test module gives one."""
    return None


@pytest.fixture
def operator_page(operator_config: KioskConfig, operator_clock: ManualClock, gate_state: GateScreenState | None) -> Iterator[OperatorPage]:
    clock = operator_clock
    with Storage.open(operator_config.storage, clock) as storage:
        consent = Consent("entry control at the front door", clock.wall(), clock.wall() + 86400, "site office")
        vector = np.ones(128, np.float32) / np.sqrt(128)
        storage.people.enroll("holder-alice", [Template(vector)], consent)
        for hours, verdict, reason in ((0, "granted", "credential-valid"), (1, "denied", "temperature-high")):
            at = clock.wall() + hours * 3600
            storage.events.record(DecisionRecord(at, "front-door", verdict, (reason,), "subject-ref-7", None, None, "", "holder-alice"))
    page = open_operator_page(operator_config, gate_state, port=0, clock=clock)
    page.site.accounts.add("ops", PASSWORD)
    try:
        yield page
    finally:
        page.stop()


@pytest.fixture
def stored(operator_config: KioskConfig) -> Callable[[], tuple[list[str], list[tuple[str, dict[str, object]]]]]:
    """What the database holds now, read through a connection of the test's own: people and audit records."""

    def read() -> tuple[list[str], list[tuple[str, dict[str, object]]]]:
        with Storage.open(operator_config.storage, ManualClock()) as storage:
            people = [person.person_id for person in storage.people.list_people()]
            return people, [(record.kind, json.loads(record.details)) for record in storage.audit.records()]

    return read


@pytest.fixture
def client(operator_page: OperatorPage) -> Client:
    assert operator_page.server is not None
    return Client(operator_page.server.port)
