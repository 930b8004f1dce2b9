"""Home Assistant MQTT discovery: the gate as a lock, a door sensor, an alarm sensor and a health sensor.

Retained config messages under `homeassistant/<component>/kiosk_<gate>/<object>/config` point
Home Assistant at the gate's retained state topics (`kiosk.fleet.state`); availability follows
`state/online`. Nothing personal: the gate's name, its state and its health only (the health sensor's
attributes carry the unavailable checks and the clock: its state, the tool that told it, whether the
gate decides by it). The keys are the ones Home Assistant documents for each platform.

Home Assistant's MQTT lock needs a command topic. Its lock and unlock buttons publish plain
"LOCK"/"UNLOCK" on `kiosk/<gate>/ha/lock`, which the gate does not act on: a gate obeys only
signed commands (`kiosk command`), so the lock entity shows the state and cannot open the door.
"""

from __future__ import annotations

import json
import re
from typing import Any

from kiosk.fleet.state import OFFLINE, ONLINE, state_topic

DISCOVERY_PREFIX = "homeassistant"


def _node_id(gate_id: str) -> str:
    return "kiosk_" + re.sub(r"[^A-Za-z0-9_-]", "_", gate_id)


def discovery_messages(gate_id: str) -> dict[str, str]:
    """{discovery topic: retained JSON config} for the gate's four entities."""
    node = _node_id(gate_id)
    common: dict[str, Any] = {
        "availability_topic": state_topic(gate_id, "online"),
        "payload_available": ONLINE,
        "payload_not_available": OFFLINE,
        "device": {"identifiers": [node], "name": f"Gate {gate_id}", "manufacturer": "gatekeeper kiosk", "model": "checkpoint kiosk"},
    }
    entities: dict[tuple[str, str], dict[str, Any]] = {
        ("lock", "lock"): {
            "name": "Lock",
            "state_topic": state_topic(gate_id, "door"),
            "command_topic": f"kiosk/{gate_id}/ha/lock",
            "value_template": "{{ {'locked': 'LOCKED', 'unlocked': 'UNLOCKED', 'held-open': 'UNLOCKED', 'forced': 'JAMMED'}.get(value, 'JAMMED') }}",
            "state_locked": "LOCKED",
            "state_unlocked": "UNLOCKED",
            "state_jammed": "JAMMED",
        },
        ("binary_sensor", "door"): {
            "name": "Door",
            "device_class": "door",
            "state_topic": state_topic(gate_id, "door_contact"),
            "payload_on": "open",
            "payload_off": "closed",
        },
        ("binary_sensor", "alarm"): {
            "name": "Alarm",
            "device_class": "problem",
            "state_topic": state_topic(gate_id, "alarms"),
            "value_template": "{{ 'ON' if value_json | length > 0 else 'OFF' }}",
            "json_attributes_topic": state_topic(gate_id, "alarms"),
            "json_attributes_template": "{{ {'alarms': value_json} | tojson }}",
        },
        ("sensor", "health"): {
            "name": "Health",
            "icon": "mdi:shield-check",
            "state_topic": state_topic(gate_id, "health"),
            "value_template": "{{ value_json.status }}",
            "json_attributes_topic": state_topic(gate_id, "health"),
        },
    }
    return {
        f"{DISCOVERY_PREFIX}/{component}/{node}/{object_id}/config": json.dumps(
            {**config, **common, "unique_id": f"{node}_{object_id}", "object_id": f"{node}_{object_id}"}, sort_keys=True
        )
        for (component, object_id), config in entities.items()
    }
