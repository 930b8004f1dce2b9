"""`kiosk run` wired to a real broker: metrics and /healthz served, a signed lock-down taken from MQTT, state retained."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from prometheus_client.parser import text_string_to_metric_families

from kiosk.fleet.commands import command_topic, sign_command
from tests.kiosk.service.mqtt_broker import Broker, Watcher, free_port, wait_for
from tests.kiosk.service.test_remote_commands import send


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, ""
    except OSError:
        return 0, ""


def test_the_service_serves_metrics_and_obeys_a_signed_lock_down(mosquitto: Broker, tmp_path: Path) -> None:
    operator = ed25519.Ed25519PrivateKey.generate()
    (tmp_path / "operators").mkdir()
    public = operator.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    (tmp_path / "operators" / "facilities.pem").write_bytes(public)
    (tmp_path / "trust" / "kiosk").mkdir(parents=True)
    port = free_port()
    config = tmp_path / "kiosk.toml"
    config.write_text(
        f"""
[gate]
gate_id = "north-door"
checks = ["credential"]
[credentials]
trust_dir = "{tmp_path / 'trust'}"
[clock]
require_sync = false  # a simulated gate on a test machine that runs neither timesyncd nor chrony
[storage]
path = "{tmp_path / 'kiosk.db'}"
device_key_file = "{tmp_path / 'device.key'}"
audit_syslog = ""
[privacy]
mqtt_broker = "{mosquitto.address}"
[commands]
operator_keys_dir = "{tmp_path / 'operators'}"
[metrics]
port = {port}
"""
    )
    watcher = Watcher(mosquitto.address, "kiosk/north-door/state/#", client_id="console")
    log = tmp_path / "run.log"
    with log.open("ab") as out:
        gate = subprocess.Popen([sys.executable, "-m", "kiosk", "run", "--config", str(config)], stdout=out, stderr=out)
    try:
        wait_for(lambda: get(f"http://127.0.0.1:{port}/healthz")[0] == 200, lambda: f"/healthz to answer 200 ({log.read_text()[-400:]})")
        wait_for(lambda: watcher.topics().get("mode") == "normal", "the gate's retained mode")
        send(mosquitto, command_topic("north-door", "lock-down"), sign_command("north-door", "lock-down", operator, issued_at=time.time()))
        wait_for(lambda: watcher.topics().get("mode") == "lock-down", lambda: f"the gate to lock down ({log.read_text()[-400:]})")
        _, text = get(f"http://127.0.0.1:{port}/metrics")
        samples = {s.name: s.value for f in text_string_to_metric_families(text) for s in f.samples if not s.labels}
    finally:
        gate.send_signal(signal.SIGTERM)
        code = gate.wait(timeout=30)
        watcher.close()
    assert code == 0, log.read_text()
    assert samples["kiosk_broker_connected"] == 1 and samples["kiosk_outbox_depth"] == 0
    assert watcher.topics()["door"] == "locked"
    assert watcher.topics()["online"] == "offline", "a clean stop says offline"
