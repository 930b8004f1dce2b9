"""The demo's script: who walks up, what they show, how warm they are, and what happens at the door."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np

from kiosk.credentials.config import CredentialsConfig
from kiosk.demo.frames import empty_scene, head_and_shoulders, held_up_print, person_scene, person_with_code
from kiosk.demo.passes import DemoIssuer, forged
from kiosk.demo.world import DEMO_GATE_ID, DEMO_START, DemoWorld, build_world
from kiosk.errors import KioskError
from kiosk.gate.runner import Display
from kiosk.storage.people import Consent

STEP_S = 0.1  # one gate loop turn per 100 ms of simulated time
DECISION_WAIT_S = 10.0
NORMAL_SKIN_C = 34.6  # forehead skin of a healthy person in a 22 °C room (about 36.7 °C oral-equivalent)
FEVER_SKIN_C = 36.8  # about 38 °C oral-equivalent
ENROLLED = "holder-alice"
PRINT_SEED = 19


@dataclass(frozen=True)
class Visitor:
    who: str
    seen: np.ndarray | None  # the scene in front of the camera (frames.person_scene, frames.held_up_print); None: no face
    code: Callable[[datetime], str]
    skin_c: float


class Demo:
    def __init__(
        self,
        workdir: Path,
        models_dir: str,
        door_mode: str = "relay",
        display: Display | None = None,
        pace: Callable[[float], None] | None = None,
    ) -> None:
        credentials = CredentialsConfig()
        self.issuer = DemoIssuer(credentials, DEMO_GATE_ID, DEMO_START - timedelta(days=1))
        self.issuer.write_trust(workdir / "trust")
        self.world: DemoWorld = build_world(workdir, models_dir, door_mode, display, pace)
        self.world.camera.present(empty_scene())
        self._prefix = credentials.pass_prefix
        self.alice_face, self.unknown_face, self.alice_print = self._faces()

    def _faces(self) -> tuple[np.ndarray | None, np.ndarray | None, np.ndarray | None]:
        """Alice enrolled from her photo (with consent) and seen with a mask; a stranger never enrolled;
        a print of Alice's photo held up to the camera."""
        pipeline = self.world.face_pipeline
        if pipeline is None:
            return None, None, None
        from kiosk.vision.demo_faces import demo_faces, masked_probe

        faces = demo_faces()
        photo = pipeline.analyse(faces.enrolled)
        stranger = pipeline.analyse(faces.unknown)
        masked = masked_probe(faces.enrolled, photo.face.landmarks) if photo else None
        masked_photo = pipeline.analyse(masked) if masked is not None else None
        if photo is None or stranger is None or masked is None or masked_photo is None:
            raise KioskError("demo faces: the face detector found no face in a shipped photo (models or photos changed?)")
        now = self.world.clock.wall()
        consent = Consent("entry control at the demo entrance", now, now + 30 * 86400, "demo operator")
        self.world.storage.people.enroll(ENROLLED, pipeline.enrollment_templates([faces.enrolled]), consent)
        printed = held_up_print(head_and_shoulders(faces.enrolled, photo.face.box), np.random.default_rng(PRINT_SEED))
        return person_scene(masked, masked_photo.face.box), person_scene(faces.unknown, stranger.face.box), printed

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.world.clock.wall(), tz=timezone.utc)

    def visit(self, visitor: Visitor) -> str:
        """One person at the gate: show the code and face, get measured, walk through if let in, leave.

        Returns the code shown.
        """
        world = self.world
        world.timeline.visitor = visitor.who
        before = len(world.timeline.decisions)
        text = visitor.code(self.now())
        world.camera.present(person_with_code(visitor.seen, text))
        world.thermometer.subject_arrives(visitor.skin_c, distance_m=0.08)
        for _ in range(round(DECISION_WAIT_S / STEP_S)):
            world.run_for(STEP_S, STEP_S)
            if len(world.timeline.decisions) > before:
                break
        granted = len(world.timeline.decisions) > before and world.timeline.decisions[-1].verdict == "granted"
        if granted:
            world.run_for(1.0, STEP_S)
            world.door.open_door()
            world.run_for(1.5, STEP_S)
            world.door.close_door()
        world.camera.present(empty_scene())
        world.thermometer.subject_leaves()
        world.timeline.visitor = "nobody"
        world.run_for(3.0, STEP_S)
        return text

    def play(self) -> None:
        world, prefix = self.world, self._prefix
        world.runner.start("relay driven locked")
        world.run_for(1.0, STEP_S)
        alice_phone = self.issuer.rotating_pass(ENROLLED)
        alice_paper = self.issuer.static_pass(ENROLLED)
        shown = self.visit(Visitor("alice (masked, rotating pass on her phone)", self.alice_face, alice_phone.code_at, NORMAL_SKIN_C))
        self.visit(Visitor("someone with a photo of alice's phone", self.alice_face, lambda _: shown, NORMAL_SKIN_C))
        bob_pass = forged(self.issuer.static_pass("holder-bob"), prefix)
        self.visit(Visitor("bob (edited pass)", None, lambda _: bob_pass, NORMAL_SKIN_C))
        self.visit(Visitor("mallory (alice's paper pass, her own face)", self.unknown_face, lambda _: alice_paper, NORMAL_SKIN_C))
        if not world.liveness_skipped:
            who = "someone holding up a print of alice's photo, with her paper pass"
            self.visit(Visitor(who, self.alice_print, lambda _: alice_paper, NORMAL_SKIN_C))
        self.visit(Visitor("alice again, feverish", self.alice_face, alice_phone.code_at, FEVER_SKIN_C))
        self._exit_and_door_held_open()
        world.thermometer.unplug()
        self.visit(Visitor("alice, thermometer unplugged", self.alice_face, alice_phone.code_at, NORMAL_SKIN_C))
        world.thermometer.replug()
        world.run_for(2.0, STEP_S)
        world.runner.shut_down()

    def _exit_and_door_held_open(self) -> None:
        world = self.world
        world.timeline.visitor = "someone leaving"
        world.door.press_exit_button()
        world.run_for(1.0, STEP_S)
        world.door.open_door()
        world.run_for(12.0, STEP_S)  # longer than the 10 s held-open limit
        world.door.close_door()
        world.timeline.visitor = "nobody"
        world.run_for(2.0, STEP_S)
