"""`kiosk bench vision`: per-stage time on one 640×480 frame with one face (one thread), and 1:N search time.

Speed is also given as a ratio to plain OpenCV on the same frame and the same model files:
`cv2.FaceDetectorYN` on the whole frame, then `cv2.FaceRecognizerSF` `alignCrop` and `feature`, one
thread, timed in the same rounds as the kiosk's stages. `ratio_to_opencv` is the kiosk's new-face
`total_ms` over `opencv_total_ms`; the kiosk does more (two-look detection, quality gates, mask check).
A figure means little without the machine it came from, so the report names the CPU.

Two per-frame totals, because they differ: `total_ms` is the full pipeline on a face seen for the first
time (every stage runs, as for an enrolment photo), `tracked_face_frame_ms` a face followed from the
previous frame whose mask verdict is reused (detect, align, quality, embed). A tracked face's mask is checked again
every `mask_track_frames + 1` frames; `tracked_face_mean_ms` is the mean over such a cycle.
`liveness_ms` is the liveness stage added to a frame when the policy requires it (both MiniFASNet models on
their crops; absent when the optional models are not in the folder), `liveness_min_ms` its fastest run.
The frame is the demo's redistributable face on a grey background; the galleries hold random unit
embeddings, one template per person (search time depends only on the number of rows).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import onnxruntime as ort

from kiosk import models
from hardware.camera import Frame
from kiosk.errors import KioskError
from kiosk.models import ModelError, resolve_models_dir
from kiosk.vision.antispoof import load_liveness_model
from kiosk.vision import quality
from kiosk.vision.align import align_face
from kiosk.vision.config import VisionConfig
from kiosk.vision.cpu import cpu_summary
from kiosk.vision.demo_faces import demo_faces
from kiosk.vision.embedder import EMBEDDING_SIZE
from kiosk.vision.frames import FrameAnalyser
from kiosk.vision.gallery import Gallery, Template
from kiosk.vision.opencv_baseline import BaselineUnavailable, OpenCVBaseline, single_thread
from kiosk.vision.pipeline import FacePipeline

FRAME_SIZE = (640, 480)
GALLERY_SIZES = (1_000, 10_000, 100_000)


def times_ms(action: Callable[[], object], repeat: int) -> np.ndarray:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return 1000 * np.array(times)


def median_ms(action: Callable[[], object], repeat: int) -> float:
    return round(float(np.median(times_ms(action, repeat))), 2)


def test_frame() -> np.ndarray:
    """A 640×480 frame holding the demo photo scaled to 480×480 (face box about 85×105 px) on grey."""
    side = FRAME_SIZE[1]
    photo = cv2.resize(demo_faces().enrolled, (side, side), interpolation=cv2.INTER_AREA)
    frame = np.full((FRAME_SIZE[1], FRAME_SIZE[0], 3), 110, dtype=np.uint8)
    left = (FRAME_SIZE[0] - side) // 2
    frame[:, left : left + side] = photo
    return frame


def interleaved_times_ms(actions: dict[str, Callable[[], object]], rounds: int) -> dict[str, np.ndarray]:
    """Each action timed once per round, in turn, so every stage is measured over the same stretch of time.

    A shared machine's speed drifts over seconds (by a fifth here); timing one stage's repeats after
    another's let a slow stretch land on one figure, such as the total, and not on the stages it adds up.
    """
    times: dict[str, list[float]] = {name: [] for name in actions}
    for _ in range(rounds):
        for name, action in actions.items():
            started = time.perf_counter()
            action()
            times[name].append(time.perf_counter() - started)
    return {name: 1000 * np.array(values) for name, values in times.items()}


def stage_times(pipeline: FacePipeline, frame: np.ndarray, repeat: int, baseline: OpenCVBaseline | None = None) -> dict[str, float]:
    """Median ms per stage, and for `baseline` (plain OpenCV) its detection, alignment + embedding and total, all interleaved."""
    observation = pipeline.analyse(frame)
    if observation is None or observation.embedding is None:
        reasons = observation.quality.reasons if observation else ("no face",)
        raise KioskError(f"bench vision: the test frame gives no embedding ({'; '.join(reasons)})")
    face = observation.face
    aligned = align_face(frame, face.landmarks)
    analyser = FrameAnalyser(pipeline, pipeline.config.unchanged_frame_level)
    analyser.analyse(Frame(frame, 0.0, 0))
    tracker = FrameAnalyser(pipeline, unchanged_level=0.0)  # every frame analysed, as with a moving visitor
    tracker.analyse(Frame(frame, 0.0, 0))
    empty = np.full_like(frame, 110)
    cycle = pipeline.config.mask_track_frames + 1
    actions: dict[str, Callable[[], object]] = {
        "detect_ms": lambda: pipeline.detector.detect(frame),
        "align_ms": lambda: align_face(frame, face.landmarks),
        "quality_ms": lambda: quality.assess(face, aligned, pipeline.config),
    }
    if pipeline.mask_classifier is not None:
        actions["mask_ms"] = lambda: pipeline.mask_classifier.classify(frame, face.box)
    actions |= {
        "embed_ms": lambda: pipeline.embedder.embed(aligned),
        "total_ms": lambda: pipeline.analyse(frame),
        "tracked_face_frame_ms": lambda: tracker.analyse(Frame(frame, 0.0, 1)),
        "unchanged_frame_ms": lambda: analyser.analyse(Frame(frame, 0.0, 1)),
        "no_face_frame_ms": lambda: pipeline.analyse(empty),
    }
    if pipeline.liveness is not None:
        actions["liveness_ms"] = lambda: pipeline.liveness_evidence(frame, face)
    if baseline is not None:
        opencv_face = baseline.detect(frame)
        if opencv_face is None:
            raise KioskError("bench vision: plain OpenCV finds no face in the test frame")
        actions |= {
            "opencv_detect_ms": lambda: baseline.detect(frame),
            "opencv_align_embed_ms": lambda: baseline.embed(frame, opencv_face),
            "opencv_total_ms": lambda: baseline.new_face(frame),
        }
    # whole tracking cycles, so the tracked mean holds its share of mask checks
    times = interleaved_times_ms(actions, cycle * max(1, repeat // cycle))
    report = {name: round(float(np.median(values)), 2) for name, values in times.items()}
    report["tracked_face_mean_ms"] = round(float(np.mean(times["tracked_face_frame_ms"])), 2)
    if "liveness_ms" in times:
        report["liveness_min_ms"] = round(float(np.min(times["liveness_ms"])), 2)
    return report


def opencv_comparison(pipeline: FacePipeline, frame: np.ndarray) -> tuple[OpenCVBaseline | None, dict[str, object]]:
    """Plain OpenCV on the kiosk's own YuNet and SFace files, or None and the reason it cannot run them here."""
    specs = models.load_manifest()
    paths = {name: models.locate(specs[name], pipeline.models_dir) for name in ("yunet", "sface")}
    facts: dict[str, object] = {"version": cv2.__version__, "detector": paths["yunet"].name, "recognizer": paths["sface"].name}
    try:
        baseline = OpenCVBaseline(paths["yunet"], paths["sface"], (frame.shape[1], frame.shape[0]), pipeline.config.detect_score)
    except BaselineUnavailable as err:
        return None, facts | {"unavailable": str(err)}
    kiosk_embedding = pipeline.analyse(frame).embedding
    opencv_embedding = baseline.new_face(frame)
    if opencv_embedding is not None:  # same files, so about the same vector: a check that the yardstick measures the same work
        facts["embedding_cosine"] = round(float(np.dot(kiosk_embedding, opencv_embedding)), 4)
    return baseline, facts


def search_times(repeat: int, seed: int = 7) -> dict[str, float]:
    rng = np.random.default_rng(seed)
    results = {}
    for size in GALLERY_SIZES:
        vectors = rng.standard_normal((size, EMBEDDING_SIZE)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        gallery = Gallery(0.5, 0.5)
        for number, vector in enumerate(vectors):
            gallery.add(f"p{number}", [Template(vector, False, "photo")])
        probe = vectors[size // 2] + 0.1 * rng.standard_normal(EMBEDDING_SIZE).astype(np.float32)
        gallery.search(probe, masked=False)  # builds the index once
        results[f"search_{size // 1000}k_ms"] = median_ms(lambda: gallery.search(probe, masked=False), repeat)
    return results


def benchmark(models_dir: Path | None, repeat: int = 60, mask_check: bool = False, mask_int8: bool = False) -> dict[str, object]:
    """The default face stage's per-stage and total times on one frame; `mask_check` adds the mask model's stage."""
    try:
        liveness = load_liveness_model(resolve_models_dir(models_dir), 1)
    except ModelError:
        liveness = None  # optional: the figures without it are still worth having
    pipeline = FacePipeline(VisionConfig(threads=1, mask_int8=mask_int8), models_dir, mask_required=mask_check, liveness=liveness)
    frame = test_frame()
    with single_thread():
        baseline, opencv = opencv_comparison(pipeline, frame)
        stages = stage_times(pipeline, frame, repeat, baseline)
    opencv_total = stages.get("opencv_total_ms")
    return {
        "frame": f"{FRAME_SIZE[0]}x{FRAME_SIZE[1]}",
        "threads": 1,
        "cpu": cpu_summary(),
        "onnxruntime": ort.__version__,
        "opencv": opencv,
        "detect_max_side_px": pipeline.config.detect_max_side_px,
        "detect_coarse_side_px": pipeline.config.detect_coarse_side_px,
        "mask_track_frames": pipeline.config.mask_track_frames,
        "mask_check": pipeline.mask_classifier is not None,
        "mask_int8": pipeline.config.mask_int8,
        "mask_int8_in_use": pipeline.mask_int8_agreement is not None and pipeline.mask_int8_agreement.is_close,
        "repeat": repeat,
        **stages,
        "opencv_total_ms": opencv_total,
        "ratio_to_opencv": round(stages["total_ms"] / opencv_total, 3) if opencv_total else None,
        **search_times(repeat),
    }
