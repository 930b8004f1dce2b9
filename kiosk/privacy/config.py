"""The `[privacy]` config section: who is responsible, for what purpose, and what may leave the device."""

from __future__ import annotations

from dataclasses import dataclass

from hardware.settings import setting

# Decision fields that may leave the device. The subject reference is not among them: even
# pseudonymised, it would let the receiver follow one person across visits.
SHAREABLE_FIELDS = ("at", "gate_id", "verdict", "reasons", "temperature_above", "temperature_c")


@dataclass(frozen=True)
class PrivacyConfig:
    controller: str = setting("", "who is responsible for the data (name and contact), shown in the privacy report")
    purpose: str = setting("entry control at this checkpoint", "the one purpose the data is collected and used for")
    mqtt_broker: str = setting(
        "", "host:port of the MQTT broker decisions are published to (empty: nothing leaves the device)"
    )
    mqtt_topic: str = setting("kiosk/decisions", "topic decisions are published on, when a broker is set")
    mqtt_fields: list[str] = setting(
        ["at", "gate_id", "verdict", "reasons"],
        f"decision fields published to the broker, from: {', '.join(SHAREABLE_FIELDS)}",
    )

    def validate(self) -> list[str]:
        problems = [
            f"mqtt_fields[{index}] = {name!r}: expected one of {', '.join(map(repr, SHAREABLE_FIELDS))}"
            for index, name in enumerate(self.mqtt_fields)
            if name not in SHAREABLE_FIELDS
        ]
        host, _, port = self.mqtt_broker.rpartition(":")
        if self.mqtt_broker and not (host and port.isdigit() and 0 < int(port) < 65536):
            problems.append(f"mqtt_broker = {self.mqtt_broker!r}: expected host:port, e.g. 'broker.local:1883'")
        return problems
