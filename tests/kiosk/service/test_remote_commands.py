"""Signed commands over a real broker: the accepted one reaches the gate machine; the rest are refused and audited."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from hardware.clock import ManualClock
from kiosk.cli import main
from kiosk.config import KioskConfig
from kiosk.config.schema import GateConfig
from kiosk.fleet.commands import command_topic, load_operator_keys, sign_command
from kiosk.fleet.desk import AUDIT_KIND, MACHINE_ACTIONS, CommandDesk
from kiosk.gate.events import OperatorCommand
from kiosk.gate.machine import GateMachine
from kiosk.gate.policy import GatePolicy
from kiosk.service.publisher import MqttPublisher
from kiosk.storage import Storage, StorageConfig
from kiosk.storage.nonces import NonceStore
from tests.kiosk.service.mqtt_broker import Broker, wait_for

GATE = "north-door"


def send(broker: Broker, topic: str, payload: bytes) -> None:
    import paho.mqtt.client as mqtt

    client: Any = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="operator-console")
    client.connect("127.0.0.1", broker.port)
    client.loop_start()
    try:
        client.publish(topic, payload, qos=1).wait_for_publish(timeout=20)
    finally:
        client.disconnect()
        client.loop_stop()


def test_only_the_fresh_operator_signed_command_runs_and_every_one_is_audited(mosquitto: Broker, tmp_path: Path) -> None:
    operator = ed25519.Ed25519PrivateKey.generate()
    stranger = ed25519.Ed25519PrivateKey.generate()
    (tmp_path / "operators").mkdir()
    public = operator.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    (tmp_path / "operators" / "facilities.pem").write_bytes(public)
    base = KioskConfig()
    config = replace(base, gate=GateConfig(gate_id=GATE), privacy=replace(base.privacy, mqtt_broker=mosquitto.address))
    clock = ManualClock()
    storage = Storage.open(StorageConfig(path=tmp_path / "kiosk.db", device_key_file=tmp_path / "device.key", audit_syslog=""), clock)
    desk = CommandDesk(GATE, config.commands, load_operator_keys(tmp_path / "operators"), NonceStore(storage.db), storage.audit, MACHINE_ACTIONS)
    machine = GateMachine(GatePolicy.from_config(config.gate))
    publisher = MqttPublisher(config)
    try:
        publisher.listen_for_commands()
        wait_for(lambda: publisher.is_listening, "the gate to subscribe to its commands")
        good = sign_command(GATE, "lock-down", operator, issued_at=clock.wall())
        topic = command_topic(GATE, "lock-down")
        for payload in (
            b"lock everything",
            sign_command(GATE, "lock-down", stranger, issued_at=clock.wall()),
            sign_command(GATE, "lock-down", operator, issued_at=clock.wall() - 3600),
            good,
            good,
        ):
            send(mosquitto, topic, payload)
        received: list[tuple[str, bytes]] = []

        def all_arrived() -> bool:
            received.extend(publisher.received_commands())
            return len(received) >= 5

        wait_for(all_arrived, "the five commands to reach the gate")
        reasons = []
        for action, raw in received:
            verdict = desk.receive(action, raw, clock.wall(), clock_fault=None)
            reasons.append(verdict.reason)
            if verdict.ok:
                machine.handle(OperatorCommand(1.0, action))
        audited = [json.loads(r.details)["reason"] for r in storage.audit.records() if r.kind == AUDIT_KIND]
    finally:
        publisher.close()
        storage.close()
    assert reasons == ["unsigned", "unknown-signer", "stale", "verified", "replayed"]
    assert audited == reasons
    assert (machine.mode, machine.is_unlocked) == ("lock-down", False)


def test_kiosk_command_send_publishes_a_signed_file_to_the_gates_topic(mosquitto: Broker, tmp_path: Path) -> None:
    assert main(["command", "keygen", str(tmp_path / "op")]) == 0
    signed = tmp_path / "unlock.cose"
    assert main(["command", "sign", "--key", str(tmp_path / "op.key.pem"), "--gate", GATE, "--action", "unlock-once", "--out", str(signed)]) == 0
    config_file = tmp_path / "kiosk.toml"
    config_file.write_text(f'[gate]\ngate_id = "{GATE}"\n[privacy]\nmqtt_broker = "{mosquitto.address}"\n')
    base = KioskConfig()
    publisher = MqttPublisher(replace(base, gate=GateConfig(gate_id=GATE), privacy=replace(base.privacy, mqtt_broker=mosquitto.address)))
    try:
        publisher.listen_for_commands()
        wait_for(lambda: publisher.is_listening, "the gate to subscribe to its commands")
        assert main(["command", "send", str(signed), "--config", str(config_file)]) == 0
        received: list[tuple[str, bytes]] = []
        wait_for(lambda: bool(received.extend(publisher.received_commands()) or received), "the command to reach the gate")
    finally:
        publisher.close()
    assert received == [("unlock-once", signed.read_bytes())]
