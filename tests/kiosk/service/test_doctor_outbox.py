"""`kiosk doctor` shows how many decisions wait for the broker, and fails once they have waited an hour."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from hardware.clock import ManualClock
from kiosk.config import KioskConfig
from kiosk.service.doctor import probe_outbox
from kiosk.storage import Storage, StorageConfig


def config_with_broker(tmp_path: Path) -> KioskConfig:
    base = KioskConfig()
    storage = StorageConfig(path=tmp_path / "kiosk.db", device_key_file=tmp_path / "device.key")
    return replace(base, storage=storage, privacy=replace(base.privacy, mqtt_broker="broker.local:1883"))


def test_waiting_messages_are_counted_and_an_hour_old_backlog_fails(tmp_path: Path) -> None:
    config = config_with_broker(tmp_path)
    clock = ManualClock()
    with Storage.open(config.storage, clock) as storage:
        storage.outbox.add(clock.wall(), "kiosk/decisions", "{}")
        storage.outbox.add(clock.wall(), "kiosk/decisions", "{}")
    fresh = probe_outbox(config, clock)
    assert (fresh.ok, fresh.detail) == (True, "2 message(s) wait for broker.local:1883, the oldest for 0 s")
    clock.advance(3600)
    stale = probe_outbox(config, clock)
    assert (stale.ok, stale.detail) == (False, "2 message(s) wait for broker.local:1883, the oldest for 3600 s")
    assert "privacy.mqtt_broker" in stale.fix


def test_without_a_broker_nothing_waits(tmp_path: Path) -> None:
    finding = probe_outbox(KioskConfig(), ManualClock())
    assert (finding.ok, finding.detail) == (True, "no MQTT broker configured: nothing leaves the device")
