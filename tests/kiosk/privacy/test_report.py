"""The privacy report follows the live config and database; sharing lets out only what the config allows."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from hardware.clock import ManualClock
from kiosk.config import KioskConfig, parse_config
from kiosk.errors import ConfigError
from kiosk.privacy.report import build_report, render_text
from kiosk.privacy.sharing import outgoing_decision
from kiosk.storage import AuditKind, Consent, DecisionRecord, Storage

PRINCIPLES = ["data minimisation", "purpose limitation", "temporary storage", "transparency", "security", "restricted sharing"]


def config_for(tmp_path: Path, extra: str = "") -> KioskConfig:
    return parse_config(KioskConfig, f'[storage]\npath = "{tmp_path / "kiosk.db"}"\ndevice_key_file = "{tmp_path / "device.key"}"\n{extra}')


def by_name(report) -> dict:
    return {data.name: data for data in report.stored}


def test_default_config_report_before_any_data(tmp_path: Path) -> None:
    report = build_report(config_for(tmp_path), now=0.0)
    assert not report.database_exists and not (tmp_path / "kiosk.db").exists()
    assert report.audit == "no database yet"
    assert [p.name for p in report.principles] == PRINCIPLES
    assert all(data.count == 0 for data in report.stored)
    assert by_name(report)["decision events"].kept_for.startswith("14 days")
    assert "face photos or camera frames (not in the database, not in logs)" in report.never_stored
    assert "temperature values" in report.never_stored
    assert [d.name for d in report.shared] == ["audit head", "operator exports"]  # syslog /dev/log by default
    assert any("unencrypted" in w for w in report.warnings)


def test_report_follows_a_changed_config(tmp_path: Path) -> None:
    before = build_report(config_for(tmp_path), now=0.0)
    key = tmp_path / "embeddings.key"
    after = build_report(config_for(tmp_path, f"""embeddings_key_file = "{key}"
retention_days = 7
record_temperature_values = true
debug_capture_hours = 2
debug_capture_dir = "{tmp_path / 'frames'}"
[privacy]
controller = "Acme Ltd, dpo@example.org"
mqtt_broker = "broker.local:8883"
mqtt_fields = ["at", "verdict"]
"""), now=0.0)
    assert by_name(after)["decision events"].kept_for.startswith("7 days")
    assert "temperature in °C" in by_name(after)["decision events"].contents
    assert "encrypted with AES-256-GCM" in by_name(after)["face templates"].contents
    assert "NOT encrypted" in by_name(before)["face templates"].contents
    assert by_name(after)["debug capture frames"].kept_for.startswith("2 hours")
    assert "temperature values" not in after.never_stored
    assert not any("camera frames" in item for item in after.never_stored)
    (mqtt,) = [d for d in after.shared if d.name == "MQTT broker"]
    assert mqtt.where == "broker.local:8883, topic 'kiosk/decisions'" and mqtt.what.startswith("each decision's at, verdict")
    assert after.controller == "Acme Ltd, dpo@example.org"
    assert any("debug capture is on" in w for w in after.warnings)
    assert not any("unencrypted" in w for w in after.warnings)
    assert before.principles != after.principles


@dataclass(frozen=True)
class Template:
    embedding: np.ndarray
    masked: bool
    variant: str


def test_report_counts_what_the_database_holds(tmp_path: Path) -> None:
    config = config_for(tmp_path)
    clock = ManualClock()
    with Storage.open(config.storage, clock) as storage:
        for offset in (0, 50):
            storage.events.record(DecisionRecord(clock.wall() + offset, "north", "granted", ("ok",), None, None, None, ""))
        templates = [Template(np.full(128, 0.1, np.float32), masked, variant) for masked, variant in ((False, "a"), (True, "b"), (True, "c"))]
        storage.people.enroll("p", templates, Consent("entry", clock.wall(), clock.wall() + 86400, "desk"))
        storage.audit.append(AuditKind.EXPORT, {"events": 2})
    report = build_report(config, now=clock.wall())
    assert report.audit == "intact, 4 records"
    events, people, templates, audit = report.stored
    assert (events.count, events.oldest, events.newest) == (2, clock.wall(), clock.wall() + 50)
    assert (people.count, templates.count, audit.count) == (1, 3, 4)
    assert "earliest 2026-01-02 00:00:00Z" in people.kept_for
    assert "(1 so far)" in report.shared[-1].what
    text = render_text(report)
    assert "decision events [events]: 2 (oldest 2026-01-01 00:00:00Z, newest 2026-01-01 00:00:50Z)" in text


def test_cli_report_reflects_the_config_file(tmp_path: Path) -> None:
    config_file = tmp_path / "kiosk.toml"

    def report() -> dict:
        result = subprocess.run([sys.executable, "-m", "kiosk", "privacy", "report", "--json", "--config", str(config_file)],
                                capture_output=True, text=True, timeout=120, check=True)
        return json.loads(result.stdout)

    config_file.write_text(f'[storage]\npath = "{tmp_path / "kiosk.db"}"\n')
    first = report()
    config_file.write_text(f'[storage]\npath = "{tmp_path / "kiosk.db"}"\nretention_days = 3\n[privacy]\nmqtt_broker = "b:1883"\n')
    second = report()
    assert first["stored"][0]["kept_for"].startswith("14 days") and second["stored"][0]["kept_for"].startswith("3 days")
    assert [d["name"] for d in second["shared"]] == ["MQTT broker", "audit head", "operator exports"]
    assert "kiosk/main-entrance/state/audit_head" in second["shared"][1]["where"]
    assert "Principles:" in subprocess.run([sys.executable, "-m", "kiosk", "privacy", "report", "--config", str(config_file)],
                                           capture_output=True, text=True, timeout=120).stdout


def test_only_configured_fields_are_shared_and_never_the_subject() -> None:
    decision = DecisionRecord(1.0, "north", "denied", ("fever",), "alice", True, 38.4, "Please see staff, alice")
    config = parse_config(KioskConfig, '[privacy]\nmqtt_fields = ["verdict", "temperature_c", "reasons"]\n')
    shared = outgoing_decision(decision, config, message_id="5f0c", seq=7)
    assert shared == {"id": "5f0c", "seq": 7, "verdict": "denied", "temperature_c": None, "reasons": ["fever"]}
    valued = parse_config(KioskConfig, '[storage]\nrecord_temperature_values = true\n[privacy]\nmqtt_fields = ["temperature_c"]\n')
    assert outgoing_decision(decision, valued, message_id="5f0c", seq=7) == {"id": "5f0c", "seq": 7, "temperature_c": 38.4}


def test_an_unknown_shared_field_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="mqtt_fields\\[1\\] = 'subject_ref': expected one of 'at'"):
        parse_config(KioskConfig, '[privacy]\nmqtt_fields = ["at", "subject_ref"]\n')


def test_report_shows_a_broken_audit_chain(tmp_path: Path) -> None:
    config = config_for(tmp_path)
    with Storage.open(config.storage, ManualClock()) as storage:
        storage.audit.append(AuditKind.DOOR_OVERRIDE, {"by": "operator"})
    with sqlite3.connect(config.storage.path) as raw:
        raw.execute("DROP TRIGGER audit_log_no_update")
        raw.execute("UPDATE audit_log SET kind = 'decision'")
    assert build_report(config, now=0.0).audit == "BROKEN: record 1 was altered or was written under another device key"
