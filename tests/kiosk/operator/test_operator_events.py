"""Events on the operator page: filtered by time and verdict, exported as `kiosk events export` does, audited."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from collections.abc import Callable

from kiosk.config import KioskConfig
from tests.kiosk.operator.client import Client
from tests.kiosk.operator.conftest import PASSWORD

START = 1_780_000_000.0  # the fixture's clock: the grant at START, the denial an hour later
Stored = Callable[[], tuple[list[str], list[tuple[str, dict[str, object]]]]]


def test_the_events_page_filters_by_verdict_and_time(client: Client) -> None:
    client.log_in("ops", PASSWORD)
    both = client.get("/events").text
    assert "2 events" in both and "temperature-high" in both and "credential-valid" in both
    denied = client.get("/events?verdict=denied").text
    assert "1 events" in denied and "credential-valid" not in denied
    later = client.get(f"/events?since={START + 60}").text
    assert "temperature-high" in later and "credential-valid" not in later
    refused = client.get("/events?since=yesterday")
    assert refused.status == 400 and "expected an ISO 8601 date or time" in refused.text


def test_the_export_is_the_cli_format_and_is_audited_with_the_operator(client: Client, stored: Stored) -> None:
    client.request("POST", "/api/v1/login", json_body={"name": "ops", "password": PASSWORD})
    exported = client.get("/api/v1/events?format=csv&verdict=granted")
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert [(row["verdict"], row["reasons"], row["subject_ref"]) for row in rows] == [("granted", "credential-valid", rows[0]["subject_ref"])]
    lines = [json.loads(line) for line in client.get("/api/v1/events?format=jsonl").text.splitlines()]
    assert [line["verdict"] for line in lines] == ["granted", "denied"] and lines[0]["time"].endswith("Z")
    exports = [details for kind, details in stored()[1] if kind == "export"]
    assert [(e["events"], e["format"], e["operator"]) for e in exports] == [(1, "csv", "ops"), (2, "jsonl", "ops")]
    assert client.get("/api/v1/events?format=xml").status == 400


def test_the_export_is_refused_while_the_audit_chain_is_broken_unless_asked_for(
    client: Client, operator_config: KioskConfig
) -> None:
    client.request("POST", "/api/v1/login", json_body={"name": "ops", "password": PASSWORD})
    with sqlite3.connect(operator_config.storage.path) as raw:
        raw.execute("DROP TRIGGER audit_log_no_update")
        raw.execute("""UPDATE audit_log SET details = '{"edited": true}' WHERE seq = 1""")
    refused = client.get("/api/v1/events?format=jsonl")
    assert refused.status == 409 and "the audit log is broken" in json.loads(refused.text)["error"]
    forced = client.get("/api/v1/events?format=jsonl&despite_broken_audit=1")
    assert forced.status == 200 and len(forced.text.splitlines()) == 2
    with sqlite3.connect(operator_config.storage.path) as raw:
        exports = [json.loads(details) for (details,) in raw.execute("SELECT details FROM audit_log WHERE kind = 'export'")]
    assert [e["audit_chain_intact"] for e in exports] == [False]
