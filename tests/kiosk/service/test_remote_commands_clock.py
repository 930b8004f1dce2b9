"""`kiosk run` with a clock it cannot trust takes only the commands that take access away (timedatectl faked on PATH)."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from kiosk.fleet.commands import command_topic, sign_command
from tests.kiosk.service.mqtt_broker import Broker, Watcher, wait_for
from tests.kiosk.service.test_clock_policy import fake_timedatectl
from tests.kiosk.service.test_remote_commands import send


def command_reasons(db: Path) -> list[tuple[str, str]]:
    try:
        with sqlite3.connect(db) as connection:
            rows = connection.execute("SELECT details FROM audit_log WHERE kind = 'remote-command' ORDER BY seq").fetchall()
    except sqlite3.OperationalError:
        return []
    return [(d["topic_action"], d["reason"]) for d in (json.loads(row[0]) for row in rows)]


def test_an_unsynchronised_gate_refuses_a_remote_unlock_but_locks_down(mosquitto: Broker, tmp_path: Path) -> None:
    operator = ed25519.Ed25519PrivateKey.generate()
    (tmp_path / "operators").mkdir()
    public = operator.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    (tmp_path / "operators" / "facilities.pem").write_bytes(public)
    (tmp_path / "trust").mkdir()
    config = tmp_path / "kiosk.toml"
    config.write_text(
        f'[gate]\ngate_id = "north-door"\nchecks = ["credential"]\n[credentials]\ntrust_dir = "{tmp_path / "trust"}"\n'
        f'[storage]\npath = "{tmp_path / "kiosk.db"}"\ndevice_key_file = "{tmp_path / "device.key"}"\naudit_syslog = ""\n'
        f'[privacy]\nmqtt_broker = "{mosquitto.address}"\n[commands]\noperator_keys_dir = "{tmp_path / "operators"}"\n'
    )
    watcher = Watcher(mosquitto.address, "kiosk/north-door/state/#", client_id="console")
    log = tmp_path / "run.log"
    with log.open("ab") as out:
        gate = subprocess.Popen([sys.executable, "-m", "kiosk", "run", "--config", str(config)], stdout=out, stderr=out,
                                env=fake_timedatectl(tmp_path / "bin", "no"))
    try:
        wait_for(lambda: watcher.topics().get("mode") == "normal", lambda: f"the gate's retained mode ({log.read_text()[-400:]})")
        for action in ("unlock-once", "lock-down"):
            send(mosquitto, command_topic("north-door", action), sign_command("north-door", action, operator, issued_at=time.time()))
        wait_for(lambda: len(command_reasons(tmp_path / "kiosk.db")) == 2, lambda: f"both commands audited ({log.read_text()[-400:]})")
        wait_for(lambda: watcher.topics().get("mode") == "lock-down", "the gate to lock down")
    finally:
        gate.send_signal(signal.SIGTERM)
        code = gate.wait(timeout=30)
        watcher.close()
    assert code == 0, log.read_text()
    assert command_reasons(tmp_path / "kiosk.db") == [("unlock-once", "clock-untrusted"), ("lock-down", "verified")]
    assert watcher.topics()["door"] == "locked"
