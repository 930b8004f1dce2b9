"""Home Assistant discovery payloads use only keys the MQTT integration documents, and carry nothing personal."""

from __future__ import annotations

import json

from kiosk.fleet.discovery import discovery_messages

# The configuration variables Home Assistant documents for each MQTT platform, as listed in its documentation's
# source (home-assistant/home-assistant.io, source/_integrations/lock.mqtt.markdown @ ebecc7e, binary_sensor.mqtt.markdown
# @ fbc3a3b, sensor.mqtt.markdown @ 9e4a69a; the {% configuration %} blocks). `platform` is left out: it is only for
# device-based discovery, and these are per-entity discovery messages.
SHARED = {
    "availability", "availability_mode", "availability_template", "availability_topic", "device", "enabled_by_default",
    "encoding", "entity_category", "entity_picture", "icon", "json_attributes_template", "json_attributes_topic", "name",
    "object_id", "payload_available", "payload_not_available", "qos", "unique_id", "value_template",
}
DOCUMENTED = {
    "lock": SHARED | {
        "code_format", "command_template", "command_topic", "optimistic", "payload_lock", "payload_open", "payload_reset",
        "payload_unlock", "retain", "state_jammed", "state_locked", "state_locking", "state_topic", "state_unlocked", "state_unlocking",
    },
    "binary_sensor": SHARED | {"device_class", "expire_after", "force_update", "off_delay", "payload_off", "payload_on", "state_topic"},
    "sensor": SHARED | {
        "device_class", "expire_after", "force_update", "last_reset_value_template", "options", "state_class", "state_topic",
        "suggested_display_precision", "unit_of_measurement",
    },
}
REQUIRED = {"lock": {"command_topic"}, "binary_sensor": {"state_topic"}, "sensor": {"state_topic"}}
DEVICE_KEYS = {
    "configuration_url", "connections", "hw_version", "identifiers", "manufacturer", "model", "model_id", "name", "serial_number",
    "suggested_area", "sw_version", "via_device",
}
# Payloads the lock's state_topic accepts (state_* defaults) and what the value template may produce from the gate's door state.
LOCK_STATES = {"LOCKED", "UNLOCKED", "JAMMED", "LOCKING", "UNLOCKING"}


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
        assert set(config["device"]) <= DEVICE_KEYS and config["device"]["identifiers"]
        assert config["unique_id"], "the device registry needs a unique_id"
        assert config["availability_topic"] == "kiosk/north-door/state/online"
        assert config["state_topic"].startswith("kiosk/north-door/state/")


def test_the_lock_command_topic_is_not_one_the_gate_obeys() -> None:
    lock = json.loads(discovery_messages("north-door")["homeassistant/lock/kiosk_north-door/lock/config"])
    assert not lock["command_topic"].startswith("kiosk/north-door/cmd/")


def test_the_lock_states_are_ones_the_lock_platform_accepts_and_the_health_sensor_carries_the_clock() -> None:
    messages = {topic.split("/")[-2]: json.loads(payload) for topic, payload in discovery_messages("north-door").items()}
    lock = messages["lock"]
    assert {lock["state_locked"], lock["state_unlocked"], lock["state_jammed"]} <= LOCK_STATES
    for door in ("locked", "unlocked", "held-open", "forced"):
        assert f"'{door}':" in lock["value_template"], door
    assert messages["health"]["json_attributes_topic"] == "kiosk/north-door/state/health", "clock, clock_source and clock_trusted as attributes"
