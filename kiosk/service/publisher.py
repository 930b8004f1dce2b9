"""Publishes each decision's shareable fields, and the audit head, to the configured MQTT broker; nothing else.

What leaves the device is decided in one place, `kiosk.privacy.sharing.outgoing_decision`; this
module only carries it. paho-mqtt runs its network loop in its own thread and queues messages
(bounded) while the broker is unreachable, so a slow or absent broker never holds up the door.
"""

from __future__ import annotations

import json
import logging

from kiosk.config.schema import KioskConfig
from kiosk.privacy.sharing import outgoing_decision
from kiosk.storage.events import DecisionRecord

logger = logging.getLogger(__name__)

MAX_QUEUED = 1000


def audit_head_topic(gate_id: str) -> str:
    return f"kiosk/{gate_id}/state/audit_head"


class MqttPublisher:
    def __init__(self, config: KioskConfig) -> None:
        import paho.mqtt.client as mqtt

        self._config = config
        self._topic = config.privacy.mqtt_topic
        self.head_topic = audit_head_topic(config.gate.gate_id)
        host, _, port = config.privacy.mqtt_broker.rpartition(":")  # checked as host:port by PrivacyConfig
        self._client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"kiosk-{config.gate.gate_id}")
        self._client.max_queued_messages_set(MAX_QUEUED)
        self._client.connect_async(host, int(port))
        self._client.loop_start()

    def publish(self, decision: DecisionRecord) -> None:
        payload = json.dumps(outgoing_decision(decision, self._config), sort_keys=True)
        info = self._client.publish(self._topic, payload, qos=1)
        if info.rc != 0:
            logger.warning("decision not queued for MQTT (code %s): queue full or client stopped", info.rc)

    def publish_head(self, seq: int, digest: str) -> None:
        """The audit head, retained, so the broker always holds the newest one the gate committed."""
        payload = json.dumps({"seq": seq, "digest": digest}, sort_keys=True)
        info = self._client.publish(self.head_topic, payload, qos=1, retain=True)
        if info.rc != 0:
            logger.warning("audit head %d not queued for MQTT (code %s): queue full or client stopped", seq, info.rc)

    def close(self) -> None:
        self._client.loop_stop()
        self._client.disconnect()
