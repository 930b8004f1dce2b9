"""Home Assistant discovery payloads use only keys the MQTT integration documents, and carry nothing personal."""

from __future__ import annotations

import json

from kiosk.fleet.discovery import discovery_messages

# Keys from the Home Assistant MQTT integration's documentation (lock.mqtt, binary_sensor.mqtt, sensor.mqtt),
# the ones shared by every MQTT entity (availability, device, identity), and those each component requires.
COMMON_KEYS = {
    "availability_topic", "payload_available", "payload_not_available", "device", "unique_id", "object_id", "name",
    "icon", "json_attributes_topic", "json_attributes_template", "qos", "entity_category", "enabled_by_default",
}
DOCUMENTED = {
    "lock": COMMON_KEYS | {
        "command_topic", "state_topic", "value_template", "state_locked", "state_unlocked", "state_jammed", "state_locking",
        "state_unlocking", "state_open", "state_opening", "payload_lock", "payload_unlock", "payload_open", "optimistic", "retain",
    },
    "binary_sensor": COMMON_KEYS | {"state_topic", "device_class", "payload_on", "payload_off", "value_template", "expire_after", "off_delay"},
    "sensor": COMMON_KEYS | {"state_topic", "device_class", "value_template", "unit_of_measurement", "state_class", "expire_after"},
}
REQUIRED = {"lock": {"command_topic"}, "binary_sensor": {"state_topic"}, "sensor": {"state_topic"}}
DEVICE_KEYS = {"identifiers", "connections", "name", "manufacturer", "model", "sw_version", "hw_version", "suggested_area", "via_device", "configuration_url"}


def test_the_gate_appears_as_a_lock_a_door_an_alarm_and_a_health_sensor() -> None:
    messages = discovery_messages("north-door")
    assert sorted(messages) == [
        "homeassistant/binary_sensor/kiosk_north-door/alarm/config",
        "homeassistant/binary_sensor/kiosk_north-door/door/config",
        "homeassistant/lock/kiosk_north-door/lock/config",
        "homeassistant/sensor/kiosk_north-door/health/config",
    ]


def test_every_key_is_documented_and_the_required_ones_are_present() -> None:
    for topic, payload in discovery_messages("north-door").items():
        component = topic.split("/")[1]
        config = json.loads(payload)
        assert set(config) <= DOCUMENTED[component], (topic, set(config) - DOCUMENTED[component])
        assert REQUIRED[component] <= set(config), topic
        assert set(config["device"]) <= DEVICE_KEYS
        assert config["availability_topic"] == "kiosk/north-door/state/online"
        assert config["state_topic"].startswith("kiosk/north-door/state/")


def test_the_lock_command_topic_is_not_one_the_gate_obeys() -> None:
    lock = json.loads(discovery_messages("north-door")["homeassistant/lock/kiosk_north-door/lock/config"])
    assert not lock["command_topic"].startswith("kiosk/north-door/cmd/")
