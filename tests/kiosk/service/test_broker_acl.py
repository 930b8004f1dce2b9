"""The README's Mosquitto ACL, on a real broker: a gate logged in by password publishes only under its own topic."""

from __future__ import annotations

import getpass
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path
from collections.abc import Iterator

import pytest

from hardware.clock import ManualClock
from kiosk.config import KioskConfig
from kiosk.config.schema import GateConfig
from kiosk.fleet.connection import build_client
from kiosk.service.publisher import MqttPublisher
from kiosk.storage import Storage, StorageConfig
from tests.kiosk.service.mqtt_broker import Broker, Watcher, wait_for

README = Path(__file__).resolve().parents[3] / "README.md"


def readme_acl() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index("# /etc/mosquitto/kiosk.acl")
    return text[start : text.index("```", start)]


@pytest.fixture
def acl_broker(tmp_path: Path) -> Iterator[Broker]:
    passwords = tmp_path / "passwd"
    for user in ("north-door", "south-door", "collector"):
        subprocess.run([shutil.which("mosquitto_passwd") or "/usr/bin/mosquitto_passwd", "-b", *(["-c"] if user == "north-door" else []),
                        str(passwords), user, f"{user}-secret"], check=True)
    (tmp_path / "kiosk.acl").write_text(readme_acl())
    folder = tmp_path / "broker"
    folder.mkdir()
    broker = Broker(folder)
    broker.conf.write_text(
        f"user {getpass.getuser()}\nlistener {broker.port} 127.0.0.1\nallow_anonymous false\npassword_file {passwords}\nacl_file {tmp_path / 'kiosk.acl'}\n"
    )
    broker.start()
    yield broker
    broker.stop()


def test_a_gate_publishes_its_own_state_and_cannot_write_another_gates(acl_broker: Broker, tmp_path: Path) -> None:
    (tmp_path / "north.password").write_text("north-door-secret\n")
    collector = Watcher(acl_broker.address, "kiosk/#", client_id="collector", login=("collector", "collector-secret"))
    base = KioskConfig()
    config = replace(
        base,
        gate=GateConfig(gate_id="north-door"),
        privacy=replace(base.privacy, mqtt_broker=acl_broker.address, mqtt_topic="kiosk/north-door/decisions"),
        mqtt=replace(base.mqtt, username="north-door", password_file=tmp_path / "north.password"),
    )
    storage = Storage.open(StorageConfig(path=tmp_path / "kiosk.db", device_key_file=tmp_path / "device.key", audit_syslog=""), ManualClock())
    publisher = MqttPublisher(config)
    try:
        wait_for(lambda: publisher.is_connected, "the gate to log in with its password file")
        rogue = build_client(config, client_id="north-door-rogue")  # the gate's login, writing where it must not
        rogue.connect("127.0.0.1", acl_broker.port)
        rogue.loop_start()
        rogue.publish("kiosk/south-door/state/door", "unlocked", qos=1, retain=True).wait_for_publish(timeout=20)
        rogue.disconnect()
        rogue.loop_stop()
        publisher.publish_state({"door": "locked"})
        publisher.pump(storage.outbox)
        wait_for(lambda: collector.topics().get("door") == "locked", "the gate's own door state")
    finally:
        publisher.close()
        collector.close()
        storage.close()
    assert {"kiosk/north-door/state/door", "kiosk/north-door/state/online"} <= set(collector.topic_names)
    assert not any(topic.startswith("kiosk/south-door/") for topic in collector.topic_names)
