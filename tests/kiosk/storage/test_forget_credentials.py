"""`people forget` reaches the decisions made with the person's passes, not only those keyed by their id.

Decisions are keyed by the credential (a pseudonym of the pass id), the enrolment by the person id
(the pass's subject). The gate records the holder with each decision, so erasure can follow it.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from hardware.clock import ManualClock
from kiosk.gate.commands import Decision, Record
from kiosk.gate.events import CheckReported, Outcome, Status
from kiosk.gate.machine import GateMachine
from kiosk.gate.policy import GatePolicy
from kiosk.service.recording import StoreRecorder
from kiosk.storage import Consent, Storage, StorageConfig, pseudonym

PERSON = "holder-7f3e"
PASS_REF = "9c1e4a7b2d3f405e8a6b7c8d9e0f1a2b"  # the verifier's pseudonym of Alice's pass id
OTHER_PASS_REF = "0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e"
POLICY = GatePolicy(checks=("credential", "temperature"), unlock_s=5.0, visit_timeout_s=20.0, held_open_alarm_s=30.0,
                    exit_unlock_s=4.0, when_check_unavailable="deny", hold_s=2.0)


def visit(machine: GateMachine, at: float, pass_ref: str, holder: str, temperature_c: float) -> Decision:
    credential = Outcome(Status.PASSED, "ok", "valid pass", "ok", subject=pass_ref, holder_id=holder)
    machine.handle(CheckReported(at, "credential", credential))
    status = Status.PASSED if temperature_c < 37.8 else Status.FAILED
    reading = Outcome(status, "temperature-ok" if status is Status.PASSED else "temperature-high", "-", "-",
                      above_threshold=status is Status.FAILED, value_c=temperature_c)
    [decision] = [c.decision for c in machine.handle(CheckReported(at + 1, "temperature", reading)) if isinstance(c, Record)]
    return decision


def record_visits(storage: Storage, clock: ManualClock) -> None:
    """Alice passes twice with her pass (once feverish), Bob once with his."""
    machine, recorder = GateMachine(POLICY), StoreRecorder(storage, "north")
    for at, pass_ref, holder, temperature_c in [(10, PASS_REF, PERSON, 36.6), (40, PASS_REF, PERSON, 38.4),
                                                (70, OTHER_PASS_REF, "holder-b0b1", 36.5)]:
        clock.advance(30)
        recorder.decision(visit(machine, at, pass_ref, holder, temperature_c), clock.wall())


def file_bytes(storage_config: StorageConfig) -> bytes:
    wal = Path(f"{storage_config.path}-wal")
    return storage_config.path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def test_the_gate_records_the_credential_holder_with_each_decision() -> None:
    decision = visit(GateMachine(POLICY), 1.0, PASS_REF, PERSON, 36.6)
    assert (decision.subject, decision.holder_id) == (PASS_REF, PERSON)


def test_forget_unlinks_decisions_keyed_by_the_persons_pass_in_the_database_and_wal_bytes(
    storage: Storage, storage_config: StorageConfig, clock: ManualClock, synthetic_templates: Callable
) -> None:
    storage.people.enroll(PERSON, synthetic_templates(seed=1), Consent("entry", clock.wall(), clock.wall() + 86400, "desk"))
    record_visits(storage, clock)
    device_key = storage_config.device_key_file.read_bytes()
    needles = [pseudonym(device_key, PASS_REF).encode(), pseudonym(device_key, PERSON).encode(), PERSON.encode()]
    assert all(needle in file_bytes(storage_config) for needle in needles[:2]), "the test must first find the links"

    erasure = storage.people.forget(PERSON)

    assert erasure.events_unlinked == 2
    assert [needle for needle in needles if needle in file_bytes(storage_config)] == []
    assert [event.subject_ref for event in storage.events.events()] == [None, None, pseudonym(device_key, OTHER_PASS_REF)]
    assert storage.audit.verify().ok


def test_people_forget_reports_the_decisions_it_unlinked(storage_config: StorageConfig, tmp_path: Path) -> None:
    clock = ManualClock(wall_offset_s=float(int(time.time())))  # the command purges by the real clock
    with Storage.open(storage_config, clock) as storage:
        record_visits(storage, clock)
    config = tmp_path / "kiosk.toml"
    config.write_text(f'[storage]\npath = "{storage_config.path}"\ndevice_key_file = "{storage_config.device_key_file}"\n'
                      f'embeddings_key_file = "{storage_config.embeddings_key_file}"\n')
    result = subprocess.run([sys.executable, "-m", "kiosk", "people", "forget", PERSON, "--config", str(config)],
                            capture_output=True, text=True, timeout=120)
    assert (result.returncode, result.stdout, result.stderr) == (0, f"erased '{PERSON}': enrolment absent, 0 templates, 2 events unlinked\n", "")
