"""Enrolment from the gate camera: the frame the gate loop last captured, checked live and captured on request.

The gate loop owns the camera; the operator page only reads the latest frame the loop handed to the
screen state, so nothing here can hold up or reopen the camera. A frame stays in memory: a JPEG
preview for a logged-in operator and, on capture, the face's embeddings. Nothing is written to disk.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

import numpy as np

from kiosk.screens.state import GateScreenState

if TYPE_CHECKING:
    from kiosk.vision import FacePipeline
    from kiosk.vision.detector import DetectedFace

# What the operator can ask of the person for each quality gate (kiosk.vision.quality's reason names).
ADVICE = {
    "face-too-small": "ask the person to come closer",
    "head-turned": "ask the person to look straight at the camera",
    "head-tilted": "ask the person to hold their head level",
    "head-nodding": "ask the person to look straight ahead",
    "too-dark": "more light on the face is needed",
    "too-bright": "less light or glare on the face is needed",
    "too-blurry": "ask the person to hold still",
    "mask-required": "vision.mask_policy requires a mask on enrolment faces",
}


@dataclass(frozen=True)
class CurrentFrame:
    """The gate's latest frame (`image` None when there is none to use, `why` says so) and its sequence number."""

    seq: int
    image: np.ndarray | None
    why: str


@dataclass(frozen=True)
class FaceSeen:
    """A face in the frame, numbered from the left as `kiosk people enroll --face N` counts; pixels of the frame."""

    number: int
    x_px: int
    y_px: int
    width_px: int
    height_px: int


@dataclass(frozen=True)
class FrameCheck:
    """The enrolment gates on one frame: `problems` is empty when a capture of this frame would enrol."""

    seq: int
    size_px: tuple[int, int]  # the frame's width and height, for drawing the faces over a scaled preview
    faces: tuple[FaceSeen, ...]
    problems: tuple[str, ...]

    @property
    def ready(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, object]:
        return {
            "frame": self.seq,
            "frame_width_px": self.size_px[0],
            "frame_height_px": self.size_px[1],
            "ready": self.ready,
            "faces": [asdict(face) for face in self.faces],
            "problems": list(self.problems),
        }


def current_frame(gate: GateScreenState | None) -> CurrentFrame:
    """The frame to show and enrol from; none unless the gate loop is serving with its camera up (a stale frame is never used)."""
    if gate is None:
        return CurrentFrame(0, None, "the gate loop is not running beside this operator page (no camera frames)")
    live = gate.operator_view()
    if live["gate"] != "serving":
        return CurrentFrame(0, None, f"the gate loop is {live['gate']}: no current camera frame")
    if live["camera"] != "up":
        return CurrentFrame(0, None, f"the gate camera is {live['camera']} (expected up)")
    seq, frame = gate.latest_frame()
    if frame is None:
        return CurrentFrame(seq, None, "no camera frame yet")
    return CurrentFrame(seq, frame.image, "")


def assess_frame(pipeline: FacePipeline, seq: int, image: np.ndarray) -> tuple[FrameCheck, DetectedFace | None]:
    """Every reason a capture of `image` would be refused (no face, several, each failed gate), and the face to enrol when none."""
    faces = sorted(pipeline.detector.detect(image), key=lambda face: face.box[0])
    seen = tuple(_seen(number, face) for number, face in enumerate(faces, start=1))
    size = (int(image.shape[1]), int(image.shape[0]))
    if not faces:
        return FrameCheck(seq, size, seen, ("no face in the camera frame (expected the person facing the camera, face uncovered and in view)",)), None
    if len(faces) > 1:
        where = ", ".join(f"{face.number} at x={face.x_px} px" for face in seen)
        problem = f"{len(faces)} faces in the camera frame (expected exactly one: ask everyone else to step out of view): {where}"
        return FrameCheck(seq, size, seen, (problem,)), None
    reasons = pipeline.observe(image, faces[0]).quality.reasons
    problems = tuple(f"{reason}: {ADVICE.get(reason.split(':')[0], 'try again')}" for reason in reasons)
    return FrameCheck(seq, size, seen, problems), None if problems else faces[0]


def _seen(number: int, face: DetectedFace) -> FaceSeen:
    x, y, width, height = (round(float(value)) for value in face.box)
    return FaceSeen(number, x, y, width, height)
