"""Scoring decoders on images with known content: decode rate, wrong reads and time per image."""

from __future__ import annotations

import base64
import json
import statistics
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from kiosk.images import UnreadableImage, decode_image, read_image
from kiosk.qr.config import QrConfig
from kiosk.qr.decoder import QrDecoder, StillImageDecoder
from kiosk.qr.stages import READERS

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".bmp", ".tif", ".tiff")
UNLIMITED_MS = 1e9


@dataclass(frozen=True)
class Sample:
    """An image and the one text it must decode to; `expected` None means it must decode to nothing."""

    name: str
    image: np.ndarray
    expected: str | None


def labelled_images(folders: Iterable[Path]) -> Iterator[tuple[Path, Path | None]]:
    """Every image under `folders` (recursively, in name order) with its `NAME.txt`, or None when absent."""
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if path.suffix.lower() in IMAGE_SUFFIXES and path.is_file():
                label = path.with_suffix(".txt")
                yield path, label if label.is_file() else None


def load_samples(folders: Iterable[Path]) -> tuple[list[Sample], list[dict[str, str]], list[str]]:
    """Labelled samples, the files that could not be read as {"image", "error"}, and images without a label."""
    samples, errors, unlabelled = [], [], []
    for path, label in labelled_images(folders):
        if label is None:
            unlabelled.append(str(path))
            continue
        try:
            image = read_image(path)
        except UnreadableImage as err:
            errors.append({"image": str(path), "error": str(err)})
            continue
        # bytes, not read_text(): expected texts may hold CRLF, which universal newlines would change
        samples.append(Sample(str(path), image, label.read_bytes().decode("utf-8")))
    return samples, errors, unlabelled


def dcc_samples(folder: Path) -> Iterator[Sample]:
    """The `2DCODE` picture (`_2DCODE` in LV) of each DCC conformance case that tests it (EXPECTEDPICTUREDECODE),
    expecting its PREFIX, or nothing where the flag is false. A broken picture that must not decode is left out."""
    for path in sorted(folder.rglob("*.json")):
        case = json.loads(path.read_text(encoding="utf-8"))
        flags = case.get("EXPECTEDRESULTS", {})
        flags = {**flags, **flags.get("EXPECTEDRESULTS", {})}  # some cases nest the flags one level deeper
        picture = case.get("2DCODE") or case.get("_2DCODE")
        if not picture or "EXPECTEDPICTUREDECODE" not in flags:
            continue
        must_decode = flags["EXPECTEDPICTUREDECODE"] is True
        try:
            image = decode_image(base64.b64decode(picture), f"{path} 2DCODE")
        except UnreadableImage:
            image = None
        if image is None:
            if must_decode:
                raise ValueError(f"{path}: 2DCODE is not a readable PNG, yet the case expects it to decode")
            continue  # a broken picture that must not decode (common/Q1): nothing to score
        yield Sample(str(path.relative_to(folder)), image, case["PREFIX"] if must_decode else None)


def single_stage_configs(config: QrConfig) -> dict[str, QrConfig]:
    """Each decoder alone, then each configured stage alone, without a time limit."""
    names = dict.fromkeys([*READERS, *config.stages])
    return {
        name: replace(config, stages=[name], idle_budget_ms=UNLIMITED_MS, budget_ms=UNLIMITED_MS) for name in names
    }


def compare(config: QrConfig, samples: list[Sample]) -> dict:
    """The pipeline on still images, the same on camera frames (idle budget), and each decoder and stage alone."""
    return {
        "pipeline": {"stages": config.stages, **score(StillImageDecoder(config), samples)},
        "pipeline_as_frames": score(QrDecoder(config), samples),
        "alone": {name: score(QrDecoder(alone), samples) for name, alone in single_stage_configs(config).items()},
    }


def score(decoder: QrDecoder | StillImageDecoder, samples: list[Sample]) -> dict:
    """How many samples decode to exactly their text, which do not, which read something else, and the time."""
    ms, missed, wrong = [], [], []
    decoded_by: Counter[str] = Counter()
    for sample in samples:
        trace = decoder.trace(sample.image)
        ms.append(trace.ms)
        texts = {code.text for code in trace.codes}
        if sample.expected is not None and sample.expected not in texts:
            missed.append(sample.name)
        if texts - {sample.expected}:
            wrong.append(sample.name)
        for attempt in trace.attempts:
            if attempt.decoded:
                decoded_by[attempt.stage] += 1
                break
    expected = sum(sample.expected is not None for sample in samples)
    return {
        "decoded": expected - len(missed),
        "expected": expected,
        "rate": round((expected - len(missed)) / expected, 4) if expected else None,
        "wrong": wrong,
        "missed": missed,
        "median_ms": round(statistics.median(ms), 2) if ms else None,
        "p95_ms": round(float(np.percentile(ms, 95)), 2) if ms else None,
        "decoded_by_stage": dict(decoded_by),
    }
