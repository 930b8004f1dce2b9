"""Decisions published to a real MQTT broker (mosquitto on a loopback port) carry only the shareable fields."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from hardware.clock import ManualClock
from kiosk.config import KioskConfig, parse_config
from kiosk.errors import ConfigError
from kiosk.fleet.discovery import discovery_messages
from kiosk.fleet.state import ClockState, gate_state
from kiosk.gate.commands import Decision
from kiosk.service.publisher import MqttPublisher
from kiosk.service.recording import StoreRecorder
from kiosk.storage import Storage, StorageConfig
from tests.kiosk.service.mqtt_broker import Broker, Watcher, wait_for

REPO = Path(__file__).resolve().parents[3]


def config_for(broker: Broker, **privacy: object) -> KioskConfig:
    base = KioskConfig()
    return replace(base, privacy=replace(base.privacy, mqtt_broker=broker.address, **privacy))


def open_storage(tmp_path: Path, **kwargs: object) -> Storage:
    return Storage.open(StorageConfig(path=tmp_path / "kiosk.db", device_key_file=tmp_path / "device.key"), ManualClock(), **kwargs)


def test_a_recorded_decision_reaches_the_broker_without_the_subject(mosquitto: Broker, tmp_path: Path) -> None:
    config = config_for(mosquitto, mqtt_fields=["gate_id", "verdict", "reasons"])
    watcher = Watcher(mosquitto.address, config.privacy.mqtt_topic)
    storage = open_storage(tmp_path)
    publisher = MqttPublisher(config)
    try:
        recorder = StoreRecorder(storage, "north-door", publisher)
        decision = Decision(1.0, "denied", ("temperature-high",), "Entry denied.", "DENIED temperature-high", subject="holder-7", temperature_above=True)
        recorder.decision(decision, wall=1_767_225_600.0)

        def delivered() -> bool:
            publisher.pump(storage.outbox)
            return bool(watcher.payloads()) and storage.outbox.depth() == 0

        wait_for(delivered, "the decision to reach the broker and be acknowledged")
    finally:
        publisher.close()
        watcher.close()
        storage.close()
    [payload] = watcher.payloads()
    shared = json.loads(payload)
    assert set(shared) == {"id", "seq", "gate_id", "verdict", "reasons"}
    assert (shared["seq"], shared["gate_id"], shared["verdict"], shared["reasons"]) == (1, "north-door", "denied", ["temperature-high"])
    assert b"holder-7" not in payload


def test_a_decision_waits_in_the_outbox_until_a_broker_acknowledges_it(mosquitto: Broker, tmp_path: Path) -> None:
    config = config_for(mosquitto)
    mosquitto.stop()
    storage = open_storage(tmp_path)
    publisher = MqttPublisher(replace(config, mqtt=replace(config.mqtt, reconnect_max_s=1)))
    try:
        recorder = StoreRecorder(storage, "north-door", publisher)
        recorder.decision(Decision(1.0, "granted", (), "Welcome.", "GRANTED", subject="holder-7"), wall=1_767_225_600.0)
        assert storage.outbox.depth() == 1  # recorded, not yet delivered
        mosquitto.start()

        def emptied() -> bool:
            publisher.pump(storage.outbox)
            return storage.outbox.depth() == 0

        wait_for(emptied, "the outbox to empty once the broker is back")
    finally:
        publisher.close()
        storage.close()


def test_a_broker_without_a_port_is_named() -> None:
    with pytest.raises(ConfigError, match="privacy.mqtt_broker = 'broker.local': expected host:port"):
        parse_config(KioskConfig, '[privacy]\nmqtt_broker = "broker.local"\n')


def test_a_password_file_without_a_user_name_is_refused() -> None:
    with pytest.raises(ConfigError, match="mqtt.password_file is set but username = ''"):
        parse_config(KioskConfig, '[mqtt]\npassword_file = "/etc/kiosk/mqtt.password"\n')


def test_a_client_certificate_without_its_key_is_refused() -> None:
    with pytest.raises(ConfigError, match="tls_cert_file and tls_key_file: expected both"):
        parse_config(KioskConfig, '[mqtt]\ntls = true\ntls_cert_file = "/etc/kiosk/gate.pem"\n')


def test_the_newest_audit_head_stays_retained_on_the_gates_state_topic(mosquitto: Broker, tmp_path: Path) -> None:
    config = config_for(mosquitto)
    publisher = MqttPublisher(config)
    storage = open_storage(tmp_path, witnesses=[publisher])
    try:
        wait_for(lambda: publisher.is_connected, "the publisher to connect")
        decision = Decision(1.0, "granted", (), "Welcome.", "GRANTED", subject="holder-7")
        StoreRecorder(storage, "main-entrance", publisher).decision(decision, wall=1_767_225_600.0)
        head = storage.audit.head()
        publisher.pump(storage.outbox)
        expected = {"seq": head.seq, "digest": head.digest}
        late = Watcher(mosquitto.address, "kiosk/main-entrance/state/audit_head", client_id="late")  # joins after the commit
        try:
            wait_for(lambda: expected in [json.loads(p) for p in late.payloads()], "the retained audit head")
        finally:
            late.close()
    finally:
        publisher.close()
        storage.close()
    assert json.loads(late.payloads()[-1]) == expected



@dataclass
class FakeGate:
    """The three things the state is read from, set by the test."""

    is_unlocked: bool = False
    alarms: frozenset[str] = frozenset()
    unavailable_checks: tuple[str, ...] = ()
    mode: str = "normal"
    is_door_open: bool = True


def retained_state(broker: Broker, gate_id: str, count: int) -> dict[str, str]:
    """What a watcher that joins now is handed under kiosk/<gate_id>/state/."""
    late = Watcher(broker.address, f"kiosk/{gate_id}/state/#", client_id=f"late-{gate_id}")
    try:
        wait_for(lambda: len(late.topics()) >= count, f"{count} retained state topics of {gate_id}")
    finally:
        late.close()
    return late.topics()


def test_door_alarms_health_and_online_are_retained_and_a_clean_close_says_offline(mosquitto: Broker, tmp_path: Path) -> None:
    storage = open_storage(tmp_path)
    publisher = MqttPublisher(config_for(mosquitto))
    try:
        wait_for(lambda: publisher.is_connected, "the publisher to connect")
        clock = ClockState("unsynchronised", "timedatectl", is_trusted=False)
        publisher.publish_state(gate_state(FakeGate(alarms=frozenset({"door-forced-open"}), unavailable_checks=("face",)), clock))
        publisher.pump(storage.outbox)
        state = retained_state(mosquitto, "main-entrance", 6)
        assert state == {
            "online": "online",
            "door": "forced",
            "mode": "normal",
            "door_contact": "open",
            "alarms": '["door-forced-open"]',
            "health": '{"clock": "unsynchronised", "clock_source": "timedatectl", "clock_trusted": false, "status": "degraded", "unavailable_checks": ["face"]}',
        }
    finally:
        publisher.close()
        storage.close()
    assert retained_state(mosquitto, "main-entrance", 6)["online"] == "offline"


def test_a_killed_gate_reads_offline_through_its_last_will(mosquitto: Broker) -> None:
    script = (
        "import sys, time\n"
        "from dataclasses import replace\n"
        "from kiosk.config import KioskConfig\n"
        "from kiosk.config.schema import GateConfig\n"
        "from kiosk.service.publisher import MqttPublisher\n"
        "base = KioskConfig()\n"
        "publisher = MqttPublisher(replace(base, gate=GateConfig(gate_id='east-door'), privacy=replace(base.privacy, mqtt_broker=sys.argv[1])))\n"
        "while not publisher.is_connected: time.sleep(0.01)\n"
        "print('connected', flush=True)\n"
        "time.sleep(60)\n"
    )
    gate = subprocess.Popen([sys.executable, "-c", script, mosquitto.address], stdout=subprocess.PIPE, text=True, cwd=REPO)
    try:
        assert gate.stdout is not None and gate.stdout.readline().strip() == "connected"
        wait_for(lambda: retained_state(mosquitto, "east-door", 1).get("online") == "online", "the gate to say online")
        gate.send_signal(signal.SIGKILL)
        gate.wait(timeout=20)
    finally:
        gate.kill()
    wait_for(lambda: retained_state(mosquitto, "east-door", 1).get("online") == "offline", "the broker to publish the last will")


def test_home_assistant_discovery_configs_are_retained_for_a_late_home_assistant(mosquitto: Broker, tmp_path: Path) -> None:
    storage = open_storage(tmp_path)
    publisher = MqttPublisher(config_for(mosquitto))
    try:
        publisher.publish_discovery(discovery_messages("main-entrance"))
        wait_for(lambda: publisher.is_connected, "the publisher to connect")
        publisher.pump(storage.outbox)
        home_assistant = Watcher(mosquitto.address, "homeassistant/#", client_id="home-assistant")
        try:
            wait_for(lambda: len(home_assistant.topic_names) >= 4, "four retained discovery configs")
        finally:
            home_assistant.close()
    finally:
        publisher.close()
        storage.close()
    assert sorted(home_assistant.topic_names) == sorted(discovery_messages("main-entrance"))
