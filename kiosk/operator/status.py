"""What the operator's status page and `/api/v1/status` report: gate, health, versions, clock, last decisions.

Two clock answers side by side: `clock` is what timesyncd or chrony says now; `live.clock_trusted` is
whether the gate decides by its clock (it keeps trusting a clock in holdover, and distrusts one
before the build date whatever the tools say).
"""

from __future__ import annotations

import itertools
from dataclasses import asdict

from hardware.clock import Clock
from kiosk.config.schema import KioskConfig
from kiosk.credentials.updates import current_sequence
from kiosk.service.clock_sync import clock_synchronised
from kiosk.screens.state import GateScreenState
from kiosk.service.doctor import examine, probe_models, probe_speech, probe_storage
from kiosk.storage.storage import Storage

# The probes that only read files: the others open the camera, relay and thermometer, which the running gate holds.
PROBES_BESIDE_THE_GATE = [probe_storage, probe_models, probe_speech]
LAST_DECISIONS = 20
CONSENT_WARNING_DAYS = 14  # a consent ending sooner is listed, so it can be renewed before the purge erases the person
# `live` when no gate loop runs beside the page: nothing known, and no clock that decides anything.
NOT_RUNNING = {
    "gate": "not-running",
    "camera": "unknown",
    "door": "unknown",
    "alarms": [],
    "mode": "unknown",
    "clock_trusted": None,
    "clock_fault": None,
}


def gate_status(config: KioskConfig, storage: Storage, gate: GateScreenState | None, clock: Clock) -> dict[str, object]:
    from kiosk import models

    live = gate.operator_view() if gate is not None else NOT_RUNNING
    newest_first = sorted(storage.events.events(), key=lambda event: (event.at, event.id), reverse=True)
    return {
        "gate_id": config.gate.gate_id,
        "live": live,
        "health": [asdict(finding) for finding in examine(config, clock, PROBES_BESIDE_THE_GATE)],
        "versions": {
            "models": {spec.name: spec.sha256[:12] for spec in models.load_manifest().values()},
            "trust_store_sequence": current_sequence(config.credentials.trust_dir),
        },
        "clock": clock_synchronised(),
        "decisions": [event.as_dict() for event in itertools.islice(newest_first, LAST_DECISIONS)],
        "consents_ending": _consents_ending(storage, clock.wall()),
    }


def _consents_ending(storage: Storage, now: float) -> list[dict[str, object]]:
    """Enrolled people (pseudonymous ids) whose consent ends within CONSENT_WARNING_DAYS, soonest first."""
    horizon = now + CONSENT_WARNING_DAYS * 86400
    ending = sorted((person.consent.expires_at, person.person_id) for person in storage.people.list_people() if person.consent.expires_at <= horizon)
    return [{"person_id": person_id, "expires_at": expires_at} for expires_at, person_id in ending]
