"""`kiosk run` takes trust updates and revocations as signed commands over a real broker, audits each, and refuses the rest."""

from __future__ import annotations

import hashlib
import json
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from kiosk.credentials.updates import UPDATE_KEY_FILE, current_sequence, sign_update
from kiosk.fleet.commands import MAX_COMMAND_BYTES, command_topic, sign_command
from tests.kiosk.service.mqtt_broker import Broker, Watcher, wait_for
from tests.kiosk.service.test_remote_commands import send

GATE = "north-door"


def public_pem(key: ed25519.Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def audit(db: Path, kind: str) -> list[dict[str, object]]:
    try:
        with sqlite3.connect(db) as connection:
            rows = connection.execute("SELECT details FROM audit_log WHERE kind = ? ORDER BY seq", (kind,)).fetchall()
    except sqlite3.OperationalError:
        return []
    return [json.loads(details) for (details,) in rows]


def test_a_signed_trust_update_and_a_revocation_run_in_the_live_gate_and_the_rest_are_refused(mosquitto: Broker, tmp_path: Path) -> None:
    operator, site = ed25519.Ed25519PrivateKey.generate(), ed25519.Ed25519PrivateKey.generate()
    (tmp_path / "operators").mkdir()
    (tmp_path / "operators" / "facilities.pem").write_bytes(public_pem(operator))
    trust = tmp_path / "trust"
    (trust / "kiosk").mkdir(parents=True)
    (trust / UPDATE_KEY_FILE).write_bytes(public_pem(site))
    db = tmp_path / "kiosk.db"
    config = tmp_path / "kiosk.toml"
    config.write_text(
        f'[gate]\ngate_id = "{GATE}"\nchecks = ["credential"]\n[credentials]\ntrust_dir = "{trust}"\n'
        "[clock]\nrequire_sync = false  # a simulated gate on a test machine that runs neither timesyncd nor chrony\n"
        f'[storage]\npath = "{db}"\ndevice_key_file = "{tmp_path / "device.key"}"\naudit_syslog = ""\n'
        f'[privacy]\nmqtt_broker = "{mosquitto.address}"\n[commands]\noperator_keys_dir = "{tmp_path / "operators"}"\n'
    )
    watcher = Watcher(mosquitto.address, f"kiosk/{GATE}/state/#", client_id="console")
    log = tmp_path / "run.log"
    with log.open("ab") as out:
        gate = subprocess.Popen([sys.executable, "-m", "kiosk", "run", "--config", str(config)], stdout=out, stderr=out)
    revoked = hashlib.sha256(b"URN:UVCI:01:XX:EXAMPLE#0").hexdigest()
    update = sign_update({"revoked.json": b'{"sha256": []}'}, 3, site)
    try:
        wait_for(lambda: watcher.topics().get("mode") == "normal", lambda: f"the gate to serve ({log.read_text()[-400:]})")
        reload_topic, revoke_topic = command_topic(GATE, "reload-trust"), command_topic(GATE, "revoke")
        for topic, payload in (
            (reload_topic, sign_command(GATE, "reload-trust", operator, time.time(), {"update": update})),
            (revoke_topic, sign_command(GATE, "revoke", operator, time.time(), {"sha256": revoked})),
            (reload_topic, sign_command(GATE, "reload-trust", operator, time.time(), {"update": sign_update({}, 2, site)})),
            (reload_topic, b"\0" * (MAX_COMMAND_BYTES + 10)),
        ):
            send(mosquitto, topic, payload)
        wait_for(lambda: len(audit(db, "remote-command")) >= 4, lambda: f"the four commands to be audited ({log.read_text()[-400:]})")
        wait_for(lambda: len(audit(db, "trust-list-update")) >= 3, "the three trust changes to be audited")
        health = json.loads(watcher.topics()["health"])
    finally:
        gate.send_signal(signal.SIGTERM)
        code = gate.wait(timeout=30)
        watcher.close()
    assert code == 0, log.read_text()
    assert [c["reason"] for c in audit(db, "remote-command")] == ["verified", "verified", "verified", "too-large"]
    assert [(t["action"], t["done"], t["reason"]) for t in audit(db, "trust-list-update")] == [
        ("update", True, "applied"), ("revoke", True, "revoked"), ("update", False, "not-newer"),
    ]
    assert current_sequence(trust) == 3
    assert json.loads((trust / "revoked-by-command.json").read_text()) == {"sha256": [revoked]}
    assert health["clock_trusted"] is True and health["clock"] in ("synchronised", "unsynchronised", "unknown"), "require_sync = false"
