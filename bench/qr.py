"""QR decoding: decode rate and time on real photos, DCC pictures and synthetic gate frames; cost of each stage;
time and false positives on frames without a code. Pinned to one core; run with `./dev.sh bench qr`."""

from __future__ import annotations

import itertools
import os
import statistics
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import cv2
import numpy as np

from kiosk.qr import PresentationTracker, QrConfig, QrDecoder
from kiosk.qr.evaluation import Sample, compare, dcc_samples, load_samples, score, single_stage_configs
from kiosk.qr.synthetic import (
    CONDITIONS,
    code_frame,
    credential_text,
    noise_frame,
    photo_frame,
    scene_frame,
    text_frame,
)

SHARED = Path(os.environ.get("KIOSK_SHARED_DIR", Path(__file__).resolve().parents[2] / "shared"))
FRAMES_PER_CONDITION = 20
FRAMES_PER_PAIR = 3  # frames for each pair of conditions, such as perspective+blur
FACES = 200
SYNTHETIC_EMPTY_FRAMES = 50  # of each kind: text, noise, scene
PRESENTATIONS = 40
FRAMES_PER_PRESENTATION = 15  # a code held in view for one second at 15 frames per second


def run() -> dict:
    config = QrConfig()
    with _one_core() as core:
        code_frames = _synthetic_code_frames()
        pair_frames = _synthetic_pair_frames()
        empty_frames = _empty_frames()
        return {
            "core": core,
            "stages": config.stages,
            "idle_budget_ms": config.idle_budget_ms,
            "budget_ms": config.budget_ms,
            "qr_photos": _score_all(config, load_samples([SHARED / "conformance" / "qr-photos"])[0]),
            "dcc": _score_all(config, list(dcc_samples(SHARED / "conformance" / "dcc"))),
            "synthetic_by_condition": _by_condition(config, code_frames),
            "synthetic": _score_all(config, [sample for _, sample in code_frames]),
            "synthetic_pairs": _score_all(config, pair_frames),
            "no_code": _no_code(config, empty_frames),
            "presentations": _presentations(config),
        }


def _score_all(config: QrConfig, samples: list[Sample]) -> dict:
    report = compare(config, samples)
    report["alone"] = {name: _brief(result) for name, result in report["alone"].items()}
    return {"images": len(samples), **report}


def _brief(result: dict) -> dict:
    """A score without the lists of names."""
    return {key: result[key] for key in ("decoded", "expected", "rate", "median_ms", "p95_ms")} | {
        "wrong": len(result["wrong"])
    }


def _by_condition(config: QrConfig, frames: list[tuple[str, Sample]]) -> dict:
    decoder = QrDecoder(config)
    by_condition: dict[str, list[Sample]] = defaultdict(list)
    for condition, sample in frames:
        by_condition[condition].append(sample)
    return {condition: _brief(score(decoder, samples)) for condition, samples in by_condition.items()}


def _no_code(config: QrConfig, frames: dict[str, list[np.ndarray]]) -> dict:
    """The pipeline's time and false positives on frames without a code, and what each of its stages costs."""
    decoder = QrDecoder(config)
    everything = [frame for kind in frames.values() for frame in kind]
    for frame in everything[:20]:
        decoder.decode(frame)  # learn the stage costs as a running kiosk would have
    ms, false_positives = [], defaultdict(int)
    stage_ms: dict[str, list[float]] = defaultdict(list)
    for kind, kind_frames in frames.items():
        for frame in kind_frames:
            trace = decoder.trace(frame)
            ms.append(trace.ms)
            false_positives[kind] += len(trace.codes)
            for attempt in trace.attempts:
                stage_ms[attempt.stage].append(attempt.ms)
    alone = {}
    for name, single in single_stage_configs(config).items():
        single_decoder = QrDecoder(single)
        times = [single_decoder.trace(frame).ms for frame in everything[::4]]
        alone[name] = {
            "median_ms": round(statistics.median(times), 2),
            "p95_ms": round(float(np.percentile(times, 95)), 2),
        }
    gray_ms = _gray_ms(everything[::4])
    return {
        "frames": {kind: len(kind_frames) for kind, kind_frames in frames.items()},
        "false_positives": dict(false_positives),
        "median_ms": round(statistics.median(ms), 2),
        "p95_ms": round(float(np.percentile(ms, 95)), 2),
        "grayscale_ms": round(gray_ms, 3),
        "pipeline_stage_ms_per_frame": {
            stage: {"ran_on": len(times), "mean_ms_when_run": round(statistics.fmean(times), 2),
                    "mean_ms_per_frame": round(sum(times) / len(everything), 2)}
            for stage, times in stage_ms.items()
        },  # fmt: skip
        "alone": alone,
    }


def _presentations(config: QrConfig) -> dict:
    """Codes held in view for a second, every frame under the same pair of hard conditions drawn anew:
    after how many frames each is presented, and whether holding it ever counts twice."""
    rng = np.random.default_rng(2028)
    pairs = [f"{a}+{b}" for a, b in itertools.combinations([c for c in CONDITIONS if c != "clean"], 2)]
    decoder = QrDecoder(config)
    frames_until_presented, missed, counted_twice = [], 0, 0
    for _ in range(PRESENTATIONS):
        tracker = PresentationTracker(config.debounce_s)
        text, condition = credential_text(rng), str(rng.choice(pairs))
        presented_at = []
        for index in range(FRAMES_PER_PRESENTATION):
            codes = decoder.decode(code_frame(rng, condition, [text]).image)
            presented_at += [index + 1 for _ in tracker.update(codes, at=index / 15)]
        missed += not presented_at
        counted_twice += len(presented_at) > 1
        frames_until_presented += presented_at[:1]
    return {
        "presentations": PRESENTATIONS,
        "frames_each": FRAMES_PER_PRESENTATION,
        "missed": missed,
        "counted_twice": counted_twice,
        "median_frames_until_presented": statistics.median(frames_until_presented),
        "max_frames_until_presented": max(frames_until_presented),
    }


def _gray_ms(frames: list[np.ndarray]) -> float:
    times = []
    for frame in frames:
        started = time.perf_counter()
        cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def _synthetic_code_frames() -> list[tuple[str, Sample]]:
    rng = np.random.default_rng(2026)
    frames = []
    for condition in CONDITIONS:
        for index in range(FRAMES_PER_CONDITION):
            scene = code_frame(rng, condition)
            frames.append((condition, Sample(f"{condition}-{index}", scene.image, scene.texts[0])))
    return frames


def _synthetic_pair_frames() -> list[Sample]:
    rng = np.random.default_rng(2027)
    samples = []
    for first, second in itertools.combinations([c for c in CONDITIONS if c != "clean"], 2):
        for index in range(FRAMES_PER_PAIR):
            scene = code_frame(rng, f"{first}+{second}")
            samples.append(Sample(f"{first}+{second}-{index}", scene.image, scene.texts[0]))
    return samples


def _empty_frames() -> dict[str, list[np.ndarray]]:
    rng = np.random.default_rng(7)
    faces = sorted((SHARED / "faces-dev" / "lfw-devtest").rglob("*.jpg"))[: FACES // 2]
    faces += sorted((SHARED / "faces-dev" / "mask-photos").rglob("*.*"))[: FACES // 2]
    photos = [image for image in (cv2.imread(str(path)) for path in faces) if image is not None]
    return {
        "faces": [photo_frame(rng, photo) for photo in photos],
        "text": [text_frame(rng) for _ in range(SYNTHETIC_EMPTY_FRAMES)],
        "noise": [noise_frame(rng) for _ in range(SYNTHETIC_EMPTY_FRAMES)],
        "scene": [scene_frame(rng) for _ in range(SYNTHETIC_EMPTY_FRAMES)],
    }


@contextmanager
def _one_core() -> Iterator[int]:
    """Run on a single core, as the targets are stated for one core."""
    allowed = os.sched_getaffinity(0)
    core = min(allowed)
    os.sched_setaffinity(0, {core})
    try:
        yield core
    finally:
        os.sched_setaffinity(0, allowed)
