"""`kiosk eval liveness` on the demo's own renderings (synthetic): its three portraits as the demo frames a visitor
(live/), and the same portraits held up on a rendered phone or print (spoof/phone/, spoof/print/).

Written into a temporary folder and never kept. Live: Alice masked and bare and the stranger, each at face heights
150-210 px, through five camera seeds, holding a code as in the demo. Spoofs: each portrait's head-and-shoulders crop
on kiosk.vision.spoof_synthesis's phone or print, placed at random (45-95 % of the frame's height, turned, tilted) in
front of the demo's empty entrance, with the same code and camera, 20 seeds each. The figures in docs/liveness.md
("The demo's renderings") come from this run.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import cv2
import numpy as np

from bench._models import models_dir
from bench.liveness import per_kind
from kiosk.demo.frames import empty_scene, head_and_shoulders, person_scene, person_with_code
from kiosk.vision import FacePipeline, VisionConfig
from kiosk.vision.antispoof import load_liveness_model
from kiosk.vision.config import LivenessConfig
from kiosk.vision.demo_faces import demo_faces, masked_probe
from kiosk.vision.eval_liveness import score_folder
from kiosk.vision.spoof_synthesis import phone_object, place, print_object, random_placement

FACE_HEIGHTS_PX = (150, 170, 190, 210)
LIVE_SEEDS = range(5)
SPOOF_SEEDS = range(20)
CODE_TEXT = "KP1:" + "demo-liveness-set-" * 14  # about a demo pass's length, so the code covers as much of the frame
Portrait = tuple[np.ndarray, tuple[float, float, float, float]]


def portraits(pipeline: FacePipeline) -> dict[str, Portrait]:
    faces = demo_faces()
    found = {name: pipeline.analyse(image) for name, image in (("alice", faces.enrolled), ("stranger", faces.unknown))}
    assert found["alice"] is not None and found["stranger"] is not None
    masked = masked_probe(faces.enrolled, found["alice"].face.landmarks)
    masked_found = pipeline.analyse(masked)
    assert masked_found is not None
    return {
        "alice-masked": (masked, masked_found.face.box),
        "alice": (faces.enrolled, found["alice"].face.box),
        "stranger": (faces.unknown, found["stranger"].face.box),
    }


def write_demo_set(people: dict[str, Portrait], out: Path) -> dict[str, int]:
    counts = {"live": 0, "spoof/phone": 0, "spoof/print": 0}
    for folder in counts:
        (out / folder).mkdir(parents=True, exist_ok=True)
    for person, (name, (photo, box)) in enumerate(people.items()):
        for height in FACE_HEIGHTS_PX:
            scene = person_scene(photo, box, height)
            for seed in LIVE_SEEDS:
                cv2.imwrite(str(out / "live" / f"{name}-{height}px-{seed}.png"), person_with_code(scene, CODE_TEXT, seed))
                counts["live"] += 1
        crop = head_and_shoulders(photo, box)
        for number, (kind, make) in enumerate((("phone", phone_object), ("print", print_object))):
            for seed in SPOOF_SEEDS:
                rng = np.random.default_rng([seed, person, number])
                obj, outline = make(crop, rng)
                scene = place(obj, outline, random_placement(rng), empty_scene().astype(np.float32))
                cv2.imwrite(str(out / "spoof" / kind / f"{name}-{seed}.png"), person_with_code(scene, CODE_TEXT, seed))
                counts[f"spoof/{kind}"] += 1
    return counts


def run() -> dict:
    directory = models_dir()
    pipeline = FacePipeline(VisionConfig(threads=1), directory, liveness=load_liveness_model(directory, 1))
    results: dict = {"set": "synthetic: the demo's renderings of its three portraits (bench/liveness_demo.py)"}
    with tempfile.TemporaryDirectory(prefix="kiosk-liveness-demo-") as scratch:
        folder = Path(scratch)
        results["counts"] = write_demo_set(portraits(pipeline), folder)
        command = [sys.executable, "-m", "kiosk", "eval", "liveness", "--dir", str(folder), "--models-dir", str(directory), "--json"]
        results["kiosk_eval_liveness"] = json.loads(subprocess.run(command, capture_output=True, text=True, check=True).stdout)
        scored = score_folder(pipeline, folder)
    results["apcer_by_kind"] = per_kind(scored, LivenessConfig())
    results["p_real"] = {
        group: summary([item.evidence.p_real for item in scored if group_of(item.path) == group and item.evidence is not None])
        for group in sorted({group_of(item.path) for item in scored})
    }
    results["no_face"] = {group: sum(1 for item in scored if group_of(item.path) == group and item.evidence is None)
                          for group in sorted({group_of(item.path) for item in scored})}
    return results


def group_of(path: Path) -> str:
    """'live alice-masked 190px', 'phone stranger', ...: the class, the portrait and (live) the face height."""
    name = path.stem.rsplit("-", 1)[0]
    return f"live {name}" if path.parent.name == "live" else f"{path.parent.name} {name}"


def summary(values: list[float]) -> dict:
    if not values:
        return {"n": 0}
    return {"n": len(values), "min": round(min(values), 3), "median": round(float(np.median(values)), 3), "max": round(max(values), 3)}
