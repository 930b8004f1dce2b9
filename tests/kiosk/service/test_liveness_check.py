"""The 'liveness' gate check end to end: a live face is let in, a photo is refused with the liveness reason,
and without the MiniFASNet models every visit is denied liveness-unavailable while the door stays locked."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest

from hardware.camera import SimulatedCameraConfig
from hardware.camera.simulated import SimulatedCamera
from hardware.clock import ManualClock
from hardware.door import SimulatedDoorConfig
from hardware.door.simulated import SimulatedDoor
from hardware.feedback import SimulatedFeedbackConfig
from hardware.feedback.simulated import SimulatedFeedback
from kiosk import models
from kiosk.config.schema import GateConfig, KioskConfig
from kiosk.gate.commands import Decision
from kiosk.gate.machine import GateMachine
from kiosk.gate.policy import GatePolicy
from kiosk.gate.runner import GateRunner
from kiosk.images import read_image
from kiosk.service.app import build_sources
from kiosk.service.sources.face import SPOOF_PROMPT
from kiosk.storage import Consent, Storage, StorageConfig
from kiosk.vision import FacePipeline, VisionConfig
from tests.kiosk.service.test_unavailable_checks import ListRecorder, PassPresented


def visit(config: KioskConfig, clock: ManualClock, storage: Storage, image_path: Path, holder: str) -> tuple[Decision, SimulatedDoor]:
    """One visit: a pass for `holder`, then the camera shows `image_path` until the gate decides."""
    credential = PassPresented()
    camera_checks = replace(config.gate, checks=[check for check in config.gate.checks if check != "credential"])
    sources = [credential, *build_sources(replace(config, gate=camera_checks), clock, storage)]
    camera = SimulatedCamera(SimulatedCameraConfig(), clock)
    camera.present(read_image(image_path))
    door = SimulatedDoor(SimulatedDoorConfig(), clock)
    recorder = ListRecorder()
    feedback = SimulatedFeedback(SimulatedFeedbackConfig(), clock)
    runner = GateRunner(GateMachine(GatePolicy.from_config(config.gate)), door, feedback, camera, sources, recorder, clock)
    runner.start()
    credential.present(holder)
    for _ in range(40):
        clock.advance(0.1)
        runner.step()
        if recorder.decisions:
            break
    [decision] = recorder.decisions
    return decision, door


@pytest.fixture
def storage(tmp_path: Path, clock: ManualClock) -> Iterator[Storage]:
    storage = Storage.open(StorageConfig(path=tmp_path / "kiosk.db", device_key_file=tmp_path / "device.key"), clock)
    yield storage
    storage.close()


def config_with(models: Path, tmp_path: Path) -> KioskConfig:
    (tmp_path / "trust" / "kiosk").mkdir(parents=True, exist_ok=True)
    base = KioskConfig()
    return replace(
        base,
        gate=GateConfig(checks=["credential", "liveness", "face"]),
        credentials=replace(base.credentials, trust_dir=tmp_path / "trust"),
        vision=VisionConfig(models_dir=str(models)),
    )


def enrol(storage: Storage, models: Path, photo: Path, clock: ManualClock) -> None:
    pipeline = FacePipeline(VisionConfig(models_dir=str(models)))
    now = clock.wall()
    storage.people.enroll("holder-1", pipeline.enrollment_templates([read_image(photo)]), Consent("entry", now, now + 86400, "desk"))


def face_models_only(models_dir: Path, tmp_path: Path) -> Path:
    """A models folder with the face models (linked) and no MiniFASNet."""
    folder = tmp_path / "face-models-only"
    for name in ("yunet", "sface"):
        spec = models.load_manifest()[name]
        (folder / spec.file).parent.mkdir(parents=True, exist_ok=True)
        (folder / spec.file).symlink_to(models_dir / spec.file)
    return folder


def test_a_live_face_passes_liveness_and_is_let_in(
    liveness_models: Path, shared_dir: Path, tmp_path: Path, clock: ManualClock, storage: Storage
) -> None:
    samples = shared_dir / "models" / "antispoof_minifasnet" / "samples"
    enrol(storage, liveness_models, samples / "image_T1.jpg", clock)
    decision, door = visit(config_with(liveness_models, tmp_path), clock, storage, samples / "image_T1.jpg", "holder-1")
    assert decision.verdict == "granted", decision.detail
    assert "liveness: live: mean P(real)" in decision.detail
    assert [edge.active for edge in door.edges if edge.name == "relay"] == [False, True]


def test_a_photo_held_up_is_refused_with_the_liveness_reason(
    liveness_models: Path, shared_dir: Path, tmp_path: Path, clock: ManualClock, storage: Storage
) -> None:
    samples = shared_dir / "models" / "antispoof_minifasnet" / "samples"
    enrol(storage, liveness_models, samples / "image_T1.jpg", clock)
    decision, door = visit(config_with(liveness_models, tmp_path), clock, storage, samples / "image_F2.jpg", "holder-1")
    assert (decision.verdict, decision.reasons) == ("denied", ("liveness-failed",))
    assert decision.message == f"Entry denied. {SPOOF_PROMPT}"
    assert "presentation attack: mean P(real) 0.0" in decision.detail  # the score, for the operator and the audit
    assert [edge.active for edge in door.edges if edge.name == "relay"] == [False]


def test_without_the_liveness_models_every_visit_is_denied_liveness_unavailable(
    models_dir: Path, tmp_path: Path, clock: ManualClock, storage: Storage
) -> None:
    only_face = face_models_only(models_dir, tmp_path)
    photo = tmp_path / "blank.png"
    cv2.imwrite(str(photo), np.full((480, 640, 3), 120, np.uint8))
    config = config_with(only_face, tmp_path)
    for _ in range(2):
        decision, door = visit(config, clock, storage, photo, "holder-1")
        assert decision.reasons == ("liveness-unavailable",)
        assert "model 'minifasnet-v2' missing" in decision.detail
        assert [edge.active for edge in door.edges if edge.name == "relay"] == [False]
        clock.advance(5)


def test_doctor_says_the_liveness_check_is_unavailable_without_its_models(models_dir: Path, tmp_path: Path) -> None:
    only_face = face_models_only(models_dir, tmp_path)
    path = tmp_path / "kiosk.toml"
    path.write_text(
        f'[gate]\nchecks = ["credential", "face", "liveness"]\n[vision]\nmodels_dir = "{only_face}"\n'
        f'[storage]\npath = "{tmp_path / "kiosk.db"}"\n'
    )
    result = subprocess.run([sys.executable, "-m", "kiosk", "doctor", "--config", str(path)], capture_output=True, text=True)
    assert result.returncode == 1
    [line] = [line for line in result.stdout.splitlines() if line.startswith("FAIL models")]
    assert "liveness check unavailable, every visit will be denied (liveness-unavailable): model 'minifasnet-v2' missing" in line


def test_a_policy_of_liveness_without_face_matching_lets_a_live_stranger_in(
    liveness_models: Path, shared_dir: Path, tmp_path: Path, clock: ManualClock, storage: Storage
) -> None:
    config = config_with(liveness_models, tmp_path)
    config = replace(config, gate=replace(config.gate, checks=["credential", "liveness"]))
    samples = shared_dir / "models" / "antispoof_minifasnet" / "samples"
    decision, _ = visit(config, clock, storage, samples / "image_T1.jpg", "nobody-enrolled")
    assert (decision.verdict, decision.reasons) == ("granted", ("credential-valid", "liveness-ok"))
