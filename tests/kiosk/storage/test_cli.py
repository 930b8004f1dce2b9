"""The storage commands, run as the operator would: `python -m kiosk ...` in a subprocess."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from hardware.clock import ManualClock
from kiosk.storage import AuditKind, Consent, DecisionRecord, Storage, StorageConfig

DAY_S = 86400.0


def kiosk(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kiosk", *map(str, args)], capture_output=True, text=True, timeout=120)


@pytest.fixture
def config_file(tmp_path: Path, storage_config: StorageConfig) -> Path:
    path = tmp_path / "kiosk.toml"
    path.write_text(
        f'[storage]\npath = "{storage_config.path}"\ndevice_key_file = "{storage_config.device_key_file}"\n'
        f'embeddings_key_file = "{storage_config.embeddings_key_file}"\n'
    )
    return path


@pytest.fixture
def now_clock() -> ManualClock:
    """Wall time near the real now: the commands under test read the system clock."""
    return ManualClock(wall_offset_s=float(int(time.time())))


def test_audit_verify_reports_intact_then_the_first_broken_record(storage_config: StorageConfig, config_file: Path, now_clock: ManualClock) -> None:
    with Storage.open(storage_config, now_clock) as storage:
        for index in range(4):
            storage.audit.append(AuditKind.DOOR_OVERRIDE, {"index": index})
    intact = kiosk("audit", "verify", "--config", config_file)
    assert (intact.returncode, intact.stdout) == (0, "audit log intact: 4 records (HMAC-SHA256 chain)\n")
    with sqlite3.connect(storage_config.path) as raw:
        raw.execute("DROP TRIGGER audit_log_no_update")
        raw.execute("""UPDATE audit_log SET details = '{"index":9}' WHERE seq = 2""")
    broken = kiosk("audit", "verify", "--config", config_file)
    assert broken.returncode == 1
    assert broken.stdout.startswith("audit log broken at record 2: record 2 was altered")
    assert '"details": "{\\"index\\":9}"' in broken.stdout
    as_json = json.loads(kiosk("audit", "verify", "--json", "--config", config_file).stdout)
    assert (as_json["ok"], as_json["first_broken"], as_json["broken_record"]["seq"]) == (False, 2, 2)


def test_audit_verify_names_a_missing_database(tmp_path: Path) -> None:
    (tmp_path / "kiosk.toml").write_text(f'[storage]\npath = "{tmp_path / "none.db"}"\n')
    result = kiosk("audit", "verify", "--config", tmp_path / "kiosk.toml")
    assert result.returncode == 1
    assert "none.db' does not exist" in result.stderr


def test_events_export_writes_jsonl_and_csv_since_a_time_and_is_audited(
    storage_config: StorageConfig, config_file: Path, now_clock: ManualClock
) -> None:
    now = now_clock.wall()
    with Storage.open(storage_config, now_clock) as storage:
        for age_s in (3 * DAY_S, DAY_S, 3600):
            storage.events.record(DecisionRecord(now - age_s, "north", "denied", ("fever", "temp-38.1"), "p1", True, 38.1, "Denied"))
    lines = kiosk("events", "export", "--since", "2d", "--format", "jsonl", "--config", config_file).stdout.splitlines()
    rows = [json.loads(line) for line in lines]
    assert [row["at"] for row in rows] == [now - DAY_S, now - 3600]
    assert rows[0]["reasons"] == ["fever", "temp-38.1"] and rows[0]["temperature_c"] is None
    assert len(rows[0]["subject_ref"]) == 64 and rows[0]["time"].endswith("Z")
    output = config_file.parent / "events.csv"
    result = kiosk("events", "export", "--since", "1970-01-01", "--format", "csv", "--output", output, "--config", config_file)
    assert result.stderr == "exported 3 events\n"
    table = list(csv.DictReader(io.StringIO(output.read_text())))
    assert [row["reasons"] for row in table] == ["fever;temp-38.1"] * 3
    with Storage.open(storage_config, now_clock) as storage:
        exports = [json.loads(r.details) for r in storage.audit.records() if r.kind == AuditKind.EXPORT]
        assert [e["events"] for e in exports] == [2, 3]
        assert storage.audit.verify().ok


def test_events_export_refuses_a_log_whose_audit_chain_is_broken_unless_told(
    storage_config: StorageConfig, config_file: Path, now_clock: ManualClock
) -> None:
    with Storage.open(storage_config, now_clock) as storage:
        storage.events.record(DecisionRecord(now_clock.wall(), "north", "granted", ("ok",), "p1", True, None, "Welcome"))
        storage.audit.append(AuditKind.DOOR_OVERRIDE, {"index": 1})
    with sqlite3.connect(storage_config.path) as raw:
        raw.execute("DROP TRIGGER audit_log_no_update")
        raw.execute("""UPDATE audit_log SET details = '{"index":9}' WHERE kind = 'door-override'""")
    refused = kiosk("events", "export", "--since", "1d", "--config", config_file)
    assert (refused.returncode, refused.stdout) == (1, "")
    assert "not exported: the audit log is broken at record" in refused.stderr and "--despite-broken-audit" in refused.stderr
    forced = kiosk("events", "export", "--since", "1d", "--despite-broken-audit", "--config", config_file)
    assert forced.returncode == 0 and len(forced.stdout.splitlines()) == 1
    with sqlite3.connect(storage_config.path) as raw:
        (details,) = raw.execute("SELECT details FROM audit_log WHERE kind = ? ORDER BY seq DESC", (AuditKind.EXPORT,)).fetchone()
    assert json.loads(details)["audit_chain_intact"] is False


def test_export_names_a_time_it_cannot_read(config_file: Path) -> None:
    result = kiosk("events", "export", "--since", "last tuesday", "--config", config_file)
    assert result.returncode == 2
    assert "time 'last tuesday': expected an ISO date" in result.stderr


def test_people_list_and_forget(
    storage_config: StorageConfig, config_file: Path, now_clock: ManualClock, synthetic_templates: Callable
) -> None:
    with Storage.open(storage_config, now_clock) as storage:
        given = Consent("entry", now_clock.wall(), now_clock.wall() + 30 * DAY_S, "desk: J. Doe")
        storage.people.enroll("alice-01", synthetic_templates(seed=1), given)
    listed = json.loads(kiosk("people", "list", "--json", "--config", config_file).stdout)
    assert [(p["person_id"], p["templates"], p["consent"]["recorded_by"]) for p in listed] == [("alice-01", 3, "desk: J. Doe")]
    assert kiosk("people", "list", "--config", config_file).stdout.startswith("alice-01\t3 templates\tconsent until ")
    forgotten = kiosk("people", "forget", "alice-01", "--config", config_file)
    assert (forgotten.returncode, forgotten.stdout) == (0, "erased 'alice-01': enrolment removed, 3 templates, 0 events unlinked\n")
    assert json.loads(kiosk("people", "list", "--json", "--config", config_file).stdout) == []
    again = kiosk("people", "forget", "alice-01", "--config", config_file)
    assert again.returncode == 1 and "nothing stored about 'alice-01'" in again.stderr


def test_people_renew_consent_records_a_new_consent_and_refuses_without_who_or_for_nobody(
    storage_config: StorageConfig, config_file: Path, now_clock: ManualClock, synthetic_templates: Callable
) -> None:
    with Storage.open(storage_config, now_clock) as storage:
        given = Consent("entry", now_clock.wall() - 20 * DAY_S, now_clock.wall() + 10 * DAY_S, "desk: J. Doe")
        storage.people.enroll("alice-01", synthetic_templates(seed=1), given)
    unrecorded = kiosk("people", "renew-consent", "alice-01", "--config", config_file)
    assert unrecorded.returncode == 2 and "no consent recorded (pass --consent NAME" in unrecorded.stderr
    too_long = kiosk("people", "renew-consent", "alice-01", "--consent", "desk", "--valid-days", "100000", "--config", config_file)
    assert too_long.returncode == 2 and "--valid-days 100000: expected more than 0 and at most" in too_long.stderr
    nobody = kiosk("people", "renew-consent", "bob-02", "--consent", "desk", "--config", config_file)
    assert nobody.returncode == 1 and "'bob-02' is not enrolled" in nobody.stderr
    renewed = kiosk("people", "renew-consent", "alice-01", "--consent", "desk: K. Roe", "--valid-days", "90", "--config", config_file)
    assert renewed.returncode == 0 and renewed.stdout.startswith("renewed the consent of 'alice-01' until ")
    (listed,) = json.loads(kiosk("people", "list", "--json", "--config", config_file).stdout)
    assert (listed["templates"], listed["consent"]["recorded_by"], listed["consent"]["purpose"]) == (3, "desk: K. Roe", "entry")
    with Storage.open(storage_config, now_clock) as storage:
        expires_at = storage.people.list_people()[0].consent.expires_at
        kinds = [record.kind for record in storage.audit.records()]
    assert expires_at > now_clock.wall() + 89 * DAY_S and kinds.count("consent-renewal") == 1


def test_enrolment_without_consent_is_refused_before_anything_is_stored(
    storage_config: StorageConfig, config_file: Path, tmp_path: Path
) -> None:
    photo = tmp_path / "face.jpg"
    photo.write_bytes(b"not looked at")
    result = kiosk("people", "enroll", "alice-01", photo, "--config", config_file)
    assert result.returncode == 2
    assert "enrolment of 'alice-01' refused: no consent recorded" in result.stderr
    assert not storage_config.path.exists()


def test_enrolment_checks_its_arguments_before_the_face_pipeline(config_file: Path, tmp_path: Path) -> None:
    result = kiosk("people", "enroll", "alice-01", tmp_path / "missing.jpg", "--consent", "desk", "--config", config_file)
    assert result.returncode == 2 and "missing.jpg: no such file" in result.stderr
    too_long = kiosk("people", "enroll", "alice-01", config_file, "--consent", "desk", "--valid-days", "999", "--config", config_file)
    assert too_long.returncode == 2 and "--valid-days 999: expected more than 0 and at most 365" in too_long.stderr


def test_enrolment_names_a_missing_model_and_how_to_get_it(config_file: Path, tmp_path: Path) -> None:
    import cv2
    import numpy as np

    empty = tmp_path / "no-models"
    empty.mkdir()
    photo = tmp_path / "photo.png"
    cv2.imwrite(str(photo), np.zeros((64, 64, 3), np.uint8))
    result = kiosk("people", "enroll", "alice-01", photo, "--consent", "desk", "--config", config_file, "--models-dir", empty)
    assert result.returncode == 1
    assert str(empty) in result.stderr and "kiosk models fetch" in result.stderr


def test_enrolment_from_a_real_photo_stores_templates_not_the_photo(
    config_file: Path, tmp_path: Path, models_dir: Path, storage_config: StorageConfig
) -> None:
    import cv2

    from kiosk.vision.demo_faces import demo_faces

    photo = tmp_path / "enrolment.png"
    cv2.imwrite(str(photo), demo_faces().enrolled)
    result = kiosk("people", "enroll", "holder-7", photo, "--consent", "desk", "--config", config_file, "--models-dir", models_dir)
    assert result.returncode == 0, result.stderr
    listing = json.loads(kiosk("people", "list", "--json", "--config", config_file).stdout)
    [person] = listing if isinstance(listing, list) else listing["people"]
    assert person["person_id"] == "holder-7"
    assert person["templates"] == 1, "plain matching (the default) stores the photo's template alone"
    photo_bytes = photo.read_bytes()
    assert photo_bytes[1000:1064] not in storage_config.path.read_bytes()


def test_keygen_writes_an_owner_only_key_and_never_overwrites(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "embeddings.key"
    assert kiosk("storage", "keygen", path).returncode == 0
    assert len(path.read_bytes()) == 32 and path.stat().st_mode & 0o777 == 0o600
    key = path.read_bytes()
    again = kiosk("storage", "keygen", path)
    assert again.returncode == 1 and "already exists" in again.stderr
    assert path.read_bytes() == key


@pytest.mark.parametrize("damage", ["random-bytes", "dropped-table"])
def test_a_damaged_database_is_one_line_and_exit_4(storage_config: StorageConfig, config_file: Path, now_clock: ManualClock, damage: str) -> None:
    Storage.open(storage_config, now_clock).close()
    if damage == "random-bytes":
        for suffix in ("-wal", "-shm"):
            Path(f"{storage_config.path}{suffix}").unlink(missing_ok=True)
        storage_config.path.write_bytes(bytes(range(256)) * 64)
    else:
        with sqlite3.connect(storage_config.path) as raw:
            raw.execute("DROP TABLE audit_log")
    for command in (["audit", "verify"], ["people", "forget", "p1"], ["events", "export", "--since", "1d"]):
        result = kiosk(*command, "--config", config_file)
        assert result.returncode == 4, (command, result.stderr)
        assert result.stderr.startswith("kiosk: database ") and result.stderr.count("\n") == 1, (command, result.stderr)


def test_a_lost_database_needs_an_audited_reset_before_anything_writes(
    storage_config: StorageConfig, config_file: Path, now_clock: ManualClock
) -> None:
    with Storage.open(storage_config, now_clock) as storage:
        storage.audit.append(AuditKind.DOOR_OVERRIDE, {"index": 1})
        old_head = storage.audit.head()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{storage_config.path}{suffix}").unlink(missing_ok=True)
    refused = kiosk("people", "forget", "p1", "--config", config_file)
    assert refused.returncode == 4 and "kiosk audit reset-chain --reason TEXT" in refused.stderr
    assert not storage_config.path.exists()
    reset = kiosk("audit", "reset-chain", "--reason", "SD card replaced: J. Doe", "--config", config_file)
    assert (reset.returncode, reset.stdout) == (0, "new audit chain from record 1: it records the reason, the old head and where the old chain broke\n")
    verified = kiosk("audit", "verify", "--config", config_file)
    assert verified.stdout == "audit log intact: 1 records (HMAC-SHA256 chain; a new chain since the reset at record 1)\n"
    with sqlite3.connect(storage_config.path) as raw:
        kind, details = raw.execute("SELECT kind, details FROM audit_log WHERE seq = 1").fetchone()
    assert kind == "chain-reset"
    assert json.loads(details)["previous_head"] == {"seq": old_head.seq, "digest": old_head.digest}
    again = kiosk("audit", "reset-chain", "--reason", "twice", "--config", config_file)
    assert again.returncode == 1 and "intact" in again.stderr


@pytest.mark.parametrize("reasons", ["CAST(X'ff41' AS TEXT)", "'not json'"], ids=["not-utf8", "not-json"])
def test_an_event_edited_by_hand_is_one_line_and_exit_4(storage_config: StorageConfig, config_file: Path, now_clock: ManualClock, reasons: str) -> None:
    with Storage.open(storage_config, now_clock) as storage:
        storage.events.record(DecisionRecord(now_clock.wall(), "north", "denied", ("fever",), "p1", True, None, "Denied"))
    with sqlite3.connect(storage_config.path) as raw:
        raw.execute(f"UPDATE events SET reasons = {reasons}")
    result = kiosk("events", "export", "--since", "1d", "--config", config_file)
    assert result.returncode == 4
    assert result.stderr.startswith("kiosk: ") and result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
