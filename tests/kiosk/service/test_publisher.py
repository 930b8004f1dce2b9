"""Decisions published to a real MQTT broker (mosquitto on a loopback port) carry only the shareable fields."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from hardware.clock import ManualClock
from kiosk.config import KioskConfig, parse_config
from kiosk.errors import ConfigError
from kiosk.gate.commands import Decision
from kiosk.service.publisher import MqttPublisher
from kiosk.service.recording import StoreRecorder
from kiosk.storage import Storage, StorageConfig


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[str]:
    binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    if not Path(binary).exists():
        pytest.fail("mosquitto is not installed: ./dev.sh installs it (Debian package mosquitto)")
    port = free_port()
    conf = tmp_path / "mosquitto.conf"
    conf.write_text(f"listener {port} 127.0.0.1\nallow_anonymous true\n")
    process = subprocess.Popen([binary, "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        give_up = time.monotonic() + 20
        while time.monotonic() < give_up:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        yield f"127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


def subscribe(address: str, topic: str) -> tuple[object, list[bytes]]:
    import paho.mqtt.client as mqtt

    received: list[bytes] = []
    subscribed: list[bool] = []
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)
    client.on_message = lambda _c, _u, message: received.append(message.payload)
    client.on_subscribe = lambda *_args: subscribed.append(True)
    host, _, port = address.rpartition(":")
    client.connect(host, int(port))
    client.subscribe(topic, qos=1)
    client.loop_start()
    give_up = time.monotonic() + 20
    while not subscribed and time.monotonic() < give_up:
        time.sleep(0.02)
    return client, received


def test_a_recorded_decision_reaches_the_broker_without_the_subject(broker: str, tmp_path: Path) -> None:
    base = KioskConfig()
    config = replace(base, privacy=replace(base.privacy, mqtt_broker=broker, mqtt_fields=["gate_id", "verdict", "reasons"]))
    subscriber, received = subscribe(broker, config.privacy.mqtt_topic)
    storage = Storage.open(StorageConfig(path=tmp_path / "kiosk.db", device_key_file=tmp_path / "device.key"), ManualClock())
    publisher = MqttPublisher(config)
    try:
        recorder = StoreRecorder(storage, "north-door", publisher)
        decision = Decision(1.0, "denied", ("temperature-high",), "Entry denied.", "DENIED temperature-high", subject="holder-7", temperature_above=True)
        recorder.decision(decision, wall=1_767_225_600.0)
        give_up = time.monotonic() + 20
        while not received and time.monotonic() < give_up:
            time.sleep(0.02)
    finally:
        publisher.close()
        subscriber.loop_stop()  # type: ignore[attr-defined]
        storage.close()
    [payload] = received
    assert json.loads(payload) == {"gate_id": "north-door", "verdict": "denied", "reasons": ["temperature-high"]}
    assert b"holder-7" not in payload


def test_a_broker_without_a_port_is_named() -> None:
    with pytest.raises(ConfigError, match="privacy.mqtt_broker = 'broker.local': expected host:port"):
        parse_config(KioskConfig, '[privacy]\nmqtt_broker = "broker.local"\n')


def test_the_newest_audit_head_stays_retained_on_the_gates_state_topic(broker: str, tmp_path: Path) -> None:
    base = KioskConfig()
    config = replace(base, privacy=replace(base.privacy, mqtt_broker=broker))
    watcher, seen = subscribe(broker, "kiosk/main-entrance/state/audit_head")
    publisher = MqttPublisher(config)
    storage = Storage.open(StorageConfig(path=tmp_path / "kiosk.db", device_key_file=tmp_path / "device.key"), ManualClock(), witnesses=[publisher])
    try:
        decision = Decision(1.0, "granted", (), "Welcome.", "GRANTED", subject="holder-7")
        StoreRecorder(storage, "main-entrance", publisher).decision(decision, wall=1_767_225_600.0)
        head = storage.audit.head()
        give_up = time.monotonic() + 20
        while len(seen) < 2 and time.monotonic() < give_up:
            time.sleep(0.02)
    finally:
        publisher.close()
        watcher.loop_stop()  # type: ignore[attr-defined]
        storage.close()
    assert [json.loads(payload)["seq"] for payload in seen] == [0, 1]  # at start-up, then after the commit
    late, retained = subscribe(broker, "kiosk/main-entrance/state/audit_head")  # a watcher that joins later
    try:
        give_up = time.monotonic() + 20
        while not retained and time.monotonic() < give_up:
            time.sleep(0.02)
    finally:
        late.loop_stop()  # type: ignore[attr-defined]
    assert [json.loads(payload) for payload in retained] == [{"seq": head.seq, "digest": head.digest}]
