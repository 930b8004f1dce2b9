"""Store and forward to the MQTT broker: decisions from the outbox, and the audit head, retained.

What leaves the device is decided in one place, `kiosk.privacy.sharing.outgoing_decision`; the
recorder writes its result to the outbox in the transaction that records the decision, and this
module only carries it. A message leaves the outbox only when the broker acknowledges it
(PUBACK, QoS 1), so a broker outage or a restart delays messages but never drops them.

Order: messages are sent oldest first, at most `mqtt.inflight` unacknowledged at a time. After
every (re)connection everything unacknowledged is sent again from the oldest, so a receiver may
see a message twice (drop it by its `id`) but never a newer one before an older one.

paho-mqtt runs the network in its own thread; its callbacks only set flags and queue
acknowledgements. Everything that touches the database happens in `pump()`, on the caller's
thread (the gate loop), so a slow or absent broker never holds up the door.
"""

from __future__ import annotations

import json
import logging
import queue
import uuid
from typing import Any

from kiosk.config.schema import KioskConfig
from kiosk.fleet.commands import MAX_COMMAND_BYTES
from kiosk.fleet.connection import broker_address, build_client
from kiosk.fleet.state import OFFLINE, ONLINE, state_topic
from kiosk.privacy.sharing import outgoing_decision
from kiosk.storage.events import DecisionRecord
from kiosk.storage.outbox import Outbox

logger = logging.getLogger(__name__)


def audit_head_topic(gate_id: str) -> str:
    return state_topic(gate_id, "audit_head")


class MqttPublisher:
    def __init__(self, config: KioskConfig) -> None:
        self._config = config
        self._topic = config.privacy.mqtt_topic
        self.head_topic = audit_head_topic(config.gate.gate_id)
        self._window = config.mqtt.inflight
        self._acks: queue.SimpleQueue[int] = queue.SimpleQueue()
        self._connections = 0  # raised by the network thread on every CONNACK
        self._is_connected = False
        self._pumped_connection = 0
        self._in_flight: dict[int, int] = {}  # paho message id -> outbox id
        self._acknowledged: list[int] = []  # outbox ids acknowledged but not yet deleted
        self._last_sent = 0  # outbox id of the newest message sent on this connection
        self._head: tuple[int, str] | None = None
        self._head_sent: tuple[int, str] | None = None
        self._reported_connected: bool | None = None
        self._state: dict[str, str] = {}
        self._discovery: dict[str, str] = {}  # topic -> retained config, sent once per connection
        self._discovery_sent = False
        self._state_sent: dict[str, str] = {}
        self._online_topic = state_topic(config.gate.gate_id, "online")
        self._command_prefix = f"kiosk/{config.gate.gate_id}/cmd/"
        self._listens_for_commands = False
        self._is_listening = False  # the broker acknowledged the command subscription on this connection
        self._commands: queue.SimpleQueue[tuple[str, bytes]] = queue.SimpleQueue()
        self._client = build_client(config, client_id=f"kiosk-{config.gate.gate_id}")
        # The broker says "offline" for the gate when its connection drops without a goodbye (killed, power, network).
        self._client.will_set(self._online_topic, OFFLINE, qos=1, retain=True)
        self._client.on_connect = self._on_connect
        self._client.on_disconnect = self._on_disconnect
        self._client.on_publish = self._on_publish
        self._client.on_message = self._on_message
        self._client.on_subscribe = self._on_subscribe
        host, port = broker_address(config)
        self._client.connect_async(host, port, keepalive=config.mqtt.keepalive_s)
        self._client.loop_start()

    @property
    def is_connected(self) -> bool:
        return self._is_connected

    def listen_for_commands(self) -> None:
        """Subscribe to `kiosk/<gate>/cmd/+` (now and on every reconnection); `received_commands()` hands them over."""
        self._listens_for_commands = True
        if self._is_connected:
            self._client.subscribe(self._command_prefix + "+", qos=1)

    @property
    def is_listening(self) -> bool:
        return self._is_listening

    def received_commands(self) -> list[tuple[str, bytes]]:
        """(action named by the topic, raw payload) of each command received since the last call, oldest first."""
        received = []
        while True:
            try:
                received.append(self._commands.get_nowait())
            except queue.Empty:
                return received

    def message_for(self, decision: DecisionRecord, event_id: int) -> tuple[str, str]:
        """The topic and payload that may be shared about the recorded decision `event_id`."""
        shared = outgoing_decision(decision, self._config, message_id=str(uuid.uuid4()), seq=event_id)
        return self._topic, json.dumps(shared, sort_keys=True)

    def pump(self, outbox: Outbox) -> None:
        """Drop acknowledged messages from `outbox`, then send the next ones while the broker is connected."""
        while True:
            try:
                mid = self._acks.get_nowait()
            except queue.Empty:
                break
            outbox_id = self._in_flight.pop(mid, None)
            if outbox_id is not None:
                self._acknowledged.append(outbox_id)
        connection = self._connections
        # Deleting is a durable commit; during a burst it is batched. A crash before the delete only repeats messages.
        if self._acknowledged and (len(self._acknowledged) >= self._window or not self._in_flight or connection != self._pumped_connection):
            outbox.remove(self._acknowledged)
            self._acknowledged = []
        if connection != self._pumped_connection:  # (re)connected: what was not acknowledged goes again
            self._pumped_connection = connection
            self._in_flight.clear()
            self._last_sent = 0
            self._head_sent = None
            self._state_sent = {}
            self._discovery_sent = False
        self._report(outbox)
        if not self._is_connected:
            return
        if self._head is not None and self._head != self._head_sent:
            self._send_head(*self._head)
        self._send_state()
        if self._discovery and not self._discovery_sent:
            self._discovery_sent = all(self._client.publish(t, p, qos=1, retain=True).rc == 0 for t, p in self._discovery.items())
        room = self._window - len(self._in_flight)
        if room <= 0:
            return
        for message in outbox.oldest(room, after_id=self._last_sent):
            info = self._client.publish(message.topic, message.payload, qos=1)
            if info.rc != 0:
                break  # connection lost meanwhile: the next connection starts from the oldest again
            self._in_flight[info.mid] = message.id
            self._last_sent = message.id

    def publish_head(self, seq: int, digest: str) -> None:
        """The audit head, retained, so the broker always holds the newest one the gate committed.

        Called by the audit log after each commit; sent at once when connected, else on the next connection.
        """
        self._head = (seq, digest)
        if self._is_connected:
            self._send_head(seq, digest)

    def publish_state(self, state: dict[str, str]) -> None:
        """Retained `kiosk/<gate>/state/<name>` messages; each is sent when it changes, and again after a reconnection."""
        self._state = dict(state)
        if self._is_connected:
            self._send_state()

    def publish_discovery(self, messages: dict[str, str]) -> None:
        """Retained Home Assistant discovery configs ({topic: payload}), sent on every connection."""
        self._discovery = dict(messages)
        self._discovery_sent = False

    def close(self) -> None:
        """Say "offline" (a clean disconnect does not fire the last will), then disconnect."""
        if self._is_connected:
            goodbye = self._client.publish(self._online_topic, OFFLINE, qos=1, retain=True)
            if goodbye.rc == 0:
                goodbye.wait_for_publish(timeout=2)
        self._client.disconnect()
        self._client.loop_stop()

    def _send_state(self) -> None:
        for name, payload in self._state.items():
            if self._state_sent.get(name) != payload:
                if self._client.publish(state_topic(self._config.gate.gate_id, name), payload, qos=1, retain=True).rc != 0:
                    return
                self._state_sent[name] = payload

    def _send_head(self, seq: int, digest: str) -> None:
        payload = json.dumps({"seq": seq, "digest": digest}, sort_keys=True)
        if self._client.publish(self.head_topic, payload, qos=1, retain=True).rc == 0:
            self._head_sent = (seq, digest)

    def _report(self, outbox: Outbox) -> None:
        if self._is_connected == self._reported_connected:
            return
        self._reported_connected = self._is_connected
        state = "connected to" if self._is_connected else "not connected to"
        logger.info("%s MQTT broker %s; outbox depth %d", state, self._config.privacy.mqtt_broker, outbox.depth())

    def _on_connect(self, _client: object, _userdata: object, _flags: object, reason: object, _properties: object) -> None:
        if getattr(reason, "is_failure", False):
            logger.warning("MQTT broker %s refused the connection: %s", self._config.privacy.mqtt_broker, reason)
            return
        self._client.publish(self._online_topic, ONLINE, qos=1, retain=True)  # replaces the will's "offline"
        if self._listens_for_commands:
            self._client.subscribe(self._command_prefix + "+", qos=1)
        self._connections += 1
        self._is_connected = True

    def _on_disconnect(self, *_args: object) -> None:
        self._is_connected = False
        self._is_listening = False

    def _on_subscribe(self, *_args: object) -> None:
        self._is_listening = True

    def _on_message(self, _client: object, _userdata: object, message: Any) -> None:
        if message.topic.startswith(self._command_prefix) and not message.retain:  # a retained command would replay on every connect
            # Cut one byte past the limit: enough for the desk to refuse it too-large, without keeping megabytes queued.
            self._commands.put((message.topic[len(self._command_prefix):], bytes(message.payload[: MAX_COMMAND_BYTES + 1])))

    def _on_publish(self, _client: object, _userdata: object, mid: int, _reason: object, _properties: object) -> None:
        self._acks.put(mid)
