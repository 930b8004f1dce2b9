"""A check named in gate.checks whose capability cannot run is kept, and denies every visit that needs it."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest

from hardware.camera import Frame
from hardware.clock import ManualClock
from hardware.door import SimulatedDoorConfig
from hardware.door.simulated import SimulatedDoor
from hardware.feedback import SimulatedFeedbackConfig
from hardware.feedback.simulated import SimulatedFeedback
from kiosk.config.schema import GateConfig, KioskConfig
from kiosk.gate.commands import Decision
from kiosk.gate.events import Outcome, Status
from kiosk.gate.machine import GateMachine
from kiosk.gate.policy import GatePolicy
from kiosk.gate.runner import CheckSource, GateRunner
from kiosk.service.app import build_runner, build_sources
from kiosk.storage import Storage, StorageConfig
from kiosk.vision import VisionConfig


@pytest.fixture
def config(tmp_path: Path) -> KioskConfig:
    (tmp_path / "trust" / "kiosk").mkdir(parents=True)
    (tmp_path / "no-models").mkdir()
    base = KioskConfig()
    return replace(
        base,
        gate=GateConfig(checks=["credential", "face", "mask"]),
        credentials=replace(base.credentials, trust_dir=tmp_path / "trust"),
        storage=StorageConfig(path=tmp_path / "kiosk.db", device_key_file=tmp_path / "device.key"),
        vision=VisionConfig(models_dir=str(tmp_path / "no-models")),
    )


@pytest.fixture
def sources(config: KioskConfig, clock: ManualClock) -> Iterator[list[CheckSource]]:
    storage = Storage.open(config.storage, clock)
    yield build_sources(config, clock, storage)
    storage.close()


@dataclass
class PassPresented:
    """The credential check: reports one valid pass per `present()`."""

    checks: tuple[str, ...] = ("credential",)
    needs_camera: bool = False
    queued: list[Outcome] = field(default_factory=list)

    def present(self, who: str) -> None:
        self.queued.append(Outcome(Status.PASSED, "credential-valid", "signature verified", "ok", subject=who, holder_id=who))

    def poll(self, now: float, frame: Frame | None, listening: bool) -> list[tuple[str, Outcome]]:
        queued, self.queued = self.queued, []
        return [("credential", outcome) for outcome in queued]

    def start_visit(self, holder_id: str | None) -> None:
        pass

    def close(self) -> None:
        pass


@dataclass
class ListRecorder:
    decisions: list[Decision] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)

    def decision(self, decision: Decision, wall: float) -> None:
        self.decisions.append(decision)

    def note(self, kind: str, detail: str, wall: float) -> None:
        self.notes.append((kind, detail))


def test_face_and_mask_without_models_are_kept_as_checks_that_report_unavailable(sources: list[CheckSource]) -> None:
    face = next(source for source in sources if "face" in source.checks)
    assert face.checks == ("face", "mask")
    reported = face.poll(0.0, None, listening=True)
    assert [(check, outcome.status) for check, outcome in reported] == [("face", Status.UNAVAILABLE), ("mask", Status.UNAVAILABLE)]
    assert "model 'yunet' missing" in reported[0][1].detail and "kiosk models fetch" in reported[0][1].detail


def test_every_visit_is_denied_face_unavailable_and_the_lock_never_released(
    config: KioskConfig, sources: list[CheckSource], clock: ManualClock
) -> None:
    credential = PassPresented()
    face = next(source for source in sources if "face" in source.checks)
    door = SimulatedDoor(SimulatedDoorConfig(), clock)
    recorder = ListRecorder()
    machine = GateMachine(GatePolicy.from_config(config.gate))
    runner = GateRunner(machine, door, SimulatedFeedback(SimulatedFeedbackConfig(), clock), None, [credential, face], recorder, clock)
    runner.start()
    for who in ("alice", "mallory", "alice"):
        credential.present(who)
        for _ in range(30):
            clock.advance(0.1)
            runner.step()
    assert [decision.reasons for decision in recorder.decisions] == [("face-unavailable",)] * 3
    assert "model 'yunet' missing" in recorder.decisions[0].detail
    assert [edge.active for edge in door.edges if edge.name == "relay"] == [False]


def test_the_service_records_why_a_check_is_unavailable(config: KioskConfig, clock: ManualClock) -> None:
    storage = Storage.open(config.storage, clock)
    recorder = ListRecorder()
    runner = build_runner(config, clock, SimulatedDoor(SimulatedDoorConfig(), clock), storage, recorder)
    runner.shut_down()
    storage.close()
    [(kind, detail)] = [note for note in recorder.notes if note[0] == "check-unavailable"]
    assert detail.startswith("face, mask: model 'yunet' missing")


def test_doctor_says_the_face_check_is_unavailable_and_fails(tmp_path: Path) -> None:
    (tmp_path / "no-models").mkdir()
    path = tmp_path / "kiosk.toml"
    path.write_text(
        f'[gate]\nchecks = ["credential", "face"]\n[vision]\nmodels_dir = "{tmp_path / "no-models"}"\n'
        f'[storage]\npath = "{tmp_path / "kiosk.db"}"\n'
    )
    result = subprocess.run([sys.executable, "-m", "kiosk", "doctor", "--config", str(path)], capture_output=True, text=True)
    assert result.returncode == 1
    [line] = [line for line in result.stdout.splitlines() if line.startswith("FAIL models")]
    assert "face check unavailable, every visit will be denied (face-unavailable): model 'yunet' missing" in line
