"""`kiosk eval liveness`: presentation-attack error rates (ISO/IEC 30107-3) on DIR/live/ and DIR/spoof/.

Each image is one camera frame: its largest face is judged on that frame alone (the gate averages
`vision.liveness.frames` frames; a still image gives the same score every frame). APCER is the share
of spoofs judged live; BPCER the share of live images not judged live. A live image with no face
counts against BPCER (the person could not get in); a spoof with no face counts as rejected.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from kiosk.errors import UsageError
from kiosk.images import read_image
from kiosk.vision.config import LivenessConfig
from kiosk.vision.eval_masks import IMAGE_SUFFIXES
from kiosk.vision.liveness import FrameEvidence, fuse
from kiosk.vision.pipeline import FacePipeline


@dataclass(frozen=True)
class Scored:
    """One image: its class, and the evidence on its largest face (None: no face found)."""

    path: Path
    spoof: bool
    evidence: FrameEvidence | None
    seconds: float


def images_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)


def score_folder(pipeline: FacePipeline, folder: Path) -> list[Scored]:
    """Evidence for every image under `folder`/live and `folder`/spoof (searched recursively); `pipeline` needs a liveness model."""
    scored = []
    for label in ("live", "spoof"):
        directory = folder / label
        if not directory.is_dir():
            raise UsageError(f"liveness images {folder}: no {label}/ folder (expected live/ and spoof/, images searched recursively)")
        for path in images_under(directory):
            image = read_image(path)
            started = time.perf_counter()
            face = pipeline.largest_face(image)
            evidence = None if face is None else pipeline.liveness_evidence(image, face)
            scored.append(Scored(path, label == "spoof", evidence, time.perf_counter() - started))
    return scored


def report(scored: list[Scored], config: LivenessConfig) -> dict:
    """The JSON object of `kiosk eval liveness` for `config`'s threshold and signals."""
    result: dict = {}
    for label, spoof in (("live", False), ("spoof", True)):
        items = [item for item in scored if item.spoof == spoof]
        judged_live = sum(1 for item in items if item.evidence is not None and fuse([item.evidence], config).live)
        no_face = sum(1 for item in items if item.evidence is None)
        result[label] = {"images": len(items), "no_face": no_face, "judged_live": judged_live}
    spoofs, lives = result["spoof"], result["live"]
    apcer = spoofs["judged_live"] / spoofs["images"] if spoofs["images"] else 0.0
    bpcer = (lives["images"] - lives["judged_live"]) / lives["images"] if lives["images"] else 0.0
    result["apcer"] = round(apcer, 4)
    result["bpcer"] = round(bpcer, 4)
    result["acer"] = round((apcer + bpcer) / 2, 4)
    result["ms_per_image"] = round(1000 * sum(item.seconds for item in scored) / max(len(scored), 1), 1)
    return result
