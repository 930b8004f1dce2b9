"""Restricted sharing: the one place that decides what of a decision may leave the device."""

from __future__ import annotations

from typing import Any

from kiosk.config.schema import KioskConfig
from kiosk.storage.events import DecisionRecord


def outgoing_decision(decision: DecisionRecord, config: KioskConfig, *, message_id: str, seq: int) -> dict[str, Any]:
    """The fields of `decision` that `privacy.mqtt_fields` lets out; never the subject or the message.

    Every message carries `id`, random and unique, by which a receiver drops the duplicates that
    at-least-once delivery brings, and `seq`, the event's number in this gate's database, rising
    in the order decisions were made. Neither says anything about the person.
    A temperature value leaves the device only if the device itself is configured to keep values.
    """
    values: dict[str, Any] = {
        "at": decision.at,
        "gate_id": decision.gate_id,
        "verdict": decision.verdict,
        "reasons": list(decision.reasons),
        "temperature_above": decision.temperature_above,
        "temperature_c": decision.temperature_c if config.storage.record_temperature_values else None,
    }
    return {"id": message_id, "seq": seq} | {name: values[name] for name in config.privacy.mqtt_fields}
