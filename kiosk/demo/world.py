"""The demo's simulated entrance: devices on a manual clock, the real capabilities, a timeline of what happened."""

from __future__ import annotations

from collections.abc import Callable
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
from hardware.wiegand import SimulatedWiegandConfig
from hardware.wiegand.simulated import SimulatedWiegandOutput
from kiosk import models
from kiosk.config.schema import ClockConfig, GateConfig, KioskConfig
from kiosk.gate.commands import Decision
from kiosk.gate.machine import GateMachine
from kiosk.gate.policy import GatePolicy
from kiosk.gate.runner import CheckSource, Display, GateRunner
from kiosk.panel.config import PanelConfig
from kiosk.panel.link import WiegandPanel
from kiosk.service.clock_sync import ClockSync, clock_fault
from kiosk.service.recording import StoreRecorder
from kiosk.service.sources.credential import build_credential_source
from kiosk.service.sources.face import FaceSource, GalleryLoader
from kiosk.service.sources.temperature import TemperatureSource
from kiosk.service.sources.unavailable import UnavailableSource
from kiosk.storage.config import StorageConfig
from kiosk.storage.storage import Storage
from kiosk.thermal.estimator import TemperatureEstimator
from kiosk.vision import FacePipeline, FrameAnalyser, VisionConfig, VisionUnavailable
from kiosk.vision.antispoof import LivenessModel, load_liveness_model
from kiosk.vision.liveness import LivenessTrack

DEMO_START = datetime(2026, 11, 24, 8, 0, tzinfo=timezone.utc)
DEMO_GATE_ID = "demo-entrance"
NOT_ASKED = ClockSync("unknown", "none", "not asked: the demo runs in simulated time")
DEMO_PANEL = PanelConfig(card_bits=26, facility_code=123, cards={"holder-alice": 45678})  # door mode panel-wiegand


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
    face_pipeline: FacePipeline | None  # None when the face stage is unavailable
    face_stage: str  # "on", or "unavailable: why"
    liveness_skipped: str  # empty when the policy requires liveness; else why the liveness scene is skipped
    wiegand: SimulatedWiegandOutput | None = None  # door mode panel-wiegand: what the panel received
    pace: Callable[[float], None] | None = None  # called after each turn with its simulated length (real-time play)

    def run_for(self, seconds: float, step_s: float) -> None:
        """Advance simulated time, running one gate loop turn per step."""
        for _ in range(round(seconds / step_s)):
            self.clock.advance(step_s)
            self.runner.step()
            if self.pace is not None:
                self.pace(step_s)


def demo_config(workdir: Path, models_dir: str, door_mode: str = "relay", liveness: bool = False) -> KioskConfig:
    """The demo gate's config; `liveness`: the policy also requires the 'liveness' check (only when its models are there)."""
    checks = ["credential", "face", *(["liveness"] if liveness else []), "temperature"]
    gate = GateConfig(gate_id=DEMO_GATE_ID, checks=checks, unlock_s=4.0, held_open_alarm_s=10.0, exit_unlock_s=4.0)
    base = KioskConfig()
    return replace(
        base,
        gate=gate,
        credentials=replace(base.credentials, trust_dir=workdir / "trust"),
        storage=StorageConfig(path=workdir / "kiosk.db", device_key_file=workdir / "device.key"),
        vision=VisionConfig(models_dir=models_dir, mask_policy="allow"),
        camera=SimulatedCameraConfig(fps=10.0),
        thermometer=SimulatedThermometerConfig(),
        door=SimulatedDoorConfig(mode=door_mode),  # type: ignore[arg-type]
        panel=DEMO_PANEL,
        feedback=SimulatedFeedbackConfig(),
        # Said here, not defaulted: the demo runs in simulated time on machines without timesyncd or chrony.
        clock=ClockConfig(require_sync=False),
    )


def build_world(
    workdir: Path,
    models_dir: str,
    door_mode: str = "relay",
    display: Display | None = None,
    pace: Callable[[float], None] | None = None,
) -> DemoWorld:
    """The gate with every capability; when the face models are missing the face check reports
    unavailable (and says why), so every visit is denied face-unavailable, as at a real gate.
    The policy requires liveness only when its models are there (`DemoWorld.liveness_skipped` says why not).

    The trust directory under `workdir` must already hold the issuer's key.
    """
    clock = ManualClock(wall_offset_s=DEMO_START.timestamp())
    pipeline: FacePipeline | None = None
    why_unavailable = ""
    liveness, liveness_skipped = _liveness_model(models_dir)
    try:
        pipeline = FacePipeline(VisionConfig(models_dir=models_dir), liveness=liveness)
    except VisionUnavailable as err:
        why_unavailable = str(err)
        liveness, liveness_skipped = None, "the face stage is unavailable"
    config = demo_config(workdir, models_dir, door_mode, liveness is not None)
    storage = Storage.open(config.storage, clock)
    door = SimulatedDoor(config.door, clock)
    camera = SimulatedCamera(config.camera, clock)
    thermometer = SimulatedThermometer(config.thermometer, clock, seed=7)
    feedback = SimulatedFeedback(config.feedback, clock)
    timeline = Timeline(StoreRecorder(storage, config.gate.gate_id), clock, started_at=clock.monotonic())
    face: CheckSource = UnavailableSource(("face",), why_unavailable)
    if pipeline is not None:
        loader = GalleryLoader(storage, config.vision)
        track = LivenessTrack(config.vision.liveness, config.vision.track_min_iou) if liveness is not None else None
        analyser = FrameAnalyser(pipeline, config.vision.unchanged_frame_level)
        face = FaceSource(analyser, loader, config.vision.mask_policy, track, required=tuple(config.gate.checks))
    sources: list[CheckSource] = [
        build_credential_source(config, clock, storage),
        face,
        TemperatureSource(thermometer, TemperatureEstimator(config.thermal), keep_values=False),
    ]
    wiegand = SimulatedWiegandOutput(SimulatedWiegandConfig(), clock) if door_mode == "panel-wiegand" else None
    panel = WiegandPanel(wiegand, config.panel) if wiegand is not None else None
    machine = GateMachine(GatePolicy.from_config(config.gate, door_mode=door_mode, cards=config.panel.cards))
    runner = GateRunner(machine, door, feedback, camera, sources, timeline, clock, display, panel=panel)
    runner.clock_checked(clock_fault(NOT_ASKED, clock.wall(), config.clock.require_sync))
    face_stage = f"unavailable: {why_unavailable}" if why_unavailable else "on"
    return DemoWorld(
        clock, config, camera, thermometer, door, feedback, storage, runner, timeline, pipeline, face_stage, liveness_skipped, wiegand, pace
    )


def _liveness_model(models_dir: str) -> tuple[LivenessModel | None, str]:
    """The MiniFASNet pair, or None and why not (the first missing file and the command that fetches it)."""
    try:
        return load_liveness_model(models.resolve_models_dir(models_dir), VisionConfig().threads), ""
    except models.ModelError as err:
        return None, f"{err} (the check needs both minifasnet-v2 and minifasnet-v1se; they come from GitHub)"
