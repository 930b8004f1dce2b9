"""The demo's simulated entrance: devices on a manual clock, the real capabilities, a timeline of what happened."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path

from hardware.camera import SimulatedCameraConfig
from hardware.camera.simulated import SimulatedCamera
from hardware.clock import ManualClock
from hardware.door import SimulatedDoorConfig
from hardware.door.simulated import SimulatedDoor
from hardware.feedback import SimulatedFeedbackConfig
from hardware.feedback.simulated import SimulatedFeedback
from hardware.thermometer import SimulatedThermometerConfig
from hardware.thermometer.simulated import SimulatedThermometer
from kiosk.config.schema import GateConfig, KioskConfig
from kiosk.gate.commands import Decision
from kiosk.gate.machine import GateMachine
from kiosk.gate.policy import GatePolicy
from kiosk.gate.runner import CheckSource, GateRunner
from kiosk.service.recording import StoreRecorder
from kiosk.service.sources.credential import build_credential_source
from kiosk.service.sources.face import FaceSource, GalleryLoader
from kiosk.service.sources.temperature import TemperatureSource
from kiosk.storage.config import StorageConfig
from kiosk.storage.storage import Storage
from kiosk.thermal.estimator import TemperatureEstimator
from kiosk.vision import FacePipeline, FrameAnalyser, VisionConfig, VisionUnavailable

DEMO_START = datetime(2026, 11, 24, 8, 0, tzinfo=timezone.utc)


@dataclass(frozen=True)
class TimelineEntry:
    t: float
    subject: str
    verdict: str
    reasons: tuple[str, ...]
    message: str
    detail: str


@dataclass
class Timeline:
    """Records what the gate decided and noted, labelled with who the scenario put in front of it."""

    inner: StoreRecorder
    clock: ManualClock
    started_at: float
    visitor: str = "nobody"
    decisions: list[TimelineEntry] = field(default_factory=list)
    alarms: list[dict[str, object]] = field(default_factory=list)
    notes: list[tuple[float, str, str]] = field(default_factory=list)

    def decision(self, decision: Decision, wall: float) -> None:
        self.inner.decision(decision, wall)
        entry = TimelineEntry(
            round(decision.at - self.started_at, 2), self.visitor, decision.verdict, decision.reasons, decision.message, decision.detail
        )
        self.decisions.append(entry)

    def note(self, kind: str, detail: str, wall: float) -> None:
        self.inner.note(kind, detail, wall)
        t = round(self.clock.monotonic() - self.started_at, 2)
        self.notes.append((t, kind, detail))
        if kind == "alarm-raised":
            alarm, _, message = detail.partition(": ")
            self.alarms.append({"t": t, "kind": alarm, "message": message})


@dataclass
class DemoWorld:
    clock: ManualClock
    config: KioskConfig
    camera: SimulatedCamera
    thermometer: SimulatedThermometer
    door: SimulatedDoor
    feedback: SimulatedFeedback
    storage: Storage
    runner: GateRunner
    timeline: Timeline
    face_pipeline: FacePipeline | None  # None when the face stage is off
    face_stage: str  # "on", or "off: why"

    def run_for(self, seconds: float, step_s: float) -> None:
        """Advance simulated time, running one gate loop turn per step."""
        for _ in range(round(seconds / step_s)):
            self.clock.advance(step_s)
            self.runner.step()


def demo_config(workdir: Path, models_dir: str, with_face: bool) -> KioskConfig:
    checks = ["credential", "face", "temperature"] if with_face else ["credential", "temperature"]
    gate = GateConfig(gate_id="demo-entrance", checks=checks, unlock_s=4.0, held_open_alarm_s=10.0, exit_unlock_s=4.0)
    base = KioskConfig()
    return replace(
        base,
        gate=gate,
        credentials=replace(base.credentials, trust_dir=workdir / "trust", gate_id=gate.gate_id),
        storage=StorageConfig(path=workdir / "kiosk.db", device_key_file=workdir / "device.key"),
        vision=VisionConfig(models_dir=models_dir, mask_policy="allow"),
        camera=SimulatedCameraConfig(fps=10.0),
        thermometer=SimulatedThermometerConfig(),
        door=SimulatedDoorConfig(),
        feedback=SimulatedFeedbackConfig(),
    )


def build_world(workdir: Path, models_dir: str) -> DemoWorld:
    """The gate with every capability; the face stage is left out (and says why) when its models are missing.

    The trust directory under `workdir` must already hold the issuer's key.
    """
    clock = ManualClock(wall_offset_s=DEMO_START.timestamp())
    pipeline: FacePipeline | None = None
    face_stage = "on"
    try:
        pipeline = FacePipeline(VisionConfig(models_dir=models_dir))
    except VisionUnavailable as err:
        face_stage = f"off: {err}"
    config = demo_config(workdir, models_dir, with_face=pipeline is not None)
    storage = Storage.open(config.storage, clock)
    door = SimulatedDoor(config.door, clock)
    camera = SimulatedCamera(config.camera, clock)
    thermometer = SimulatedThermometer(config.thermometer, clock, seed=7)
    feedback = SimulatedFeedback(config.feedback, clock)
    timeline = Timeline(StoreRecorder(storage, config.gate.gate_id), clock, started_at=clock.monotonic())
    sources: list[CheckSource] = [build_credential_source(config, clock, storage)]
    if pipeline is not None:
        loader = GalleryLoader(storage, config.vision)
        analyser = FrameAnalyser(pipeline, config.vision.unchanged_frame_level)
        sources.append(FaceSource(analyser, loader, config.vision.mask_policy))
    sources.append(TemperatureSource(thermometer, TemperatureEstimator(config.thermal), keep_values=False))
    machine = GateMachine(GatePolicy.from_config(config.gate))
    runner = GateRunner(machine, door, feedback, camera, sources, timeline, clock)
    return DemoWorld(clock, config, camera, thermometer, door, feedback, storage, runner, timeline, pipeline, face_stage)
