"""Measuring the mask check on a folder of photos sorted into `with_mask/` and `without_mask/`.

Many such photos are tight face crops; each is put on a larger grey canvas first, as a camera frame
would have background around the face, and the largest detected face is classified.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np

from kiosk.errors import UsageError
from kiosk.images import read_image
from kiosk.vision.baseline import MaskDetectorAlone
from kiosk.vision.pipeline import FacePipeline

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp"}


def on_canvas(image: np.ndarray, min_side_px: int = 320, margin: float = 0.25) -> np.ndarray:
    """A tight face crop as a camera would see it: small images enlarged, a grey border added on every side."""
    height, width = image.shape[:2]
    if max(height, width) < min_side_px:
        scale = min_side_px / max(height, width)
        image = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
    border = int(margin * max(image.shape[:2]))
    return cv2.copyMakeBorder(image, border, border, border, border, cv2.BORDER_CONSTANT, value=(128, 128, 128))


def images_in(folder: Path) -> Iterator[Path]:
    return (p for p in sorted(folder.iterdir()) if p.suffix.lower() in IMAGE_SUFFIXES)


def evaluate_masks(
    pipeline: FacePipeline,
    folder: Path,
    baseline: MaskDetectorAlone | None = None,
    failures: list[dict] | None = None,
) -> dict:
    """The JSON report of `kiosk eval masks`: accuracy per class; an image without a face counts as wrong.

    `pipeline` must check masks (mask_policy 'allow' or 'require'). With `baseline`, the mask detector
    alone on the same padded images is reported under "baseline". `failures`, when given, receives one
    entry per wrongly judged image: path, mask score, threshold and why.
    """
    kiosk = _Tally("kiosk", pipeline.mask_classifier.threshold)
    alone = _Tally("opencv", 0.5) if baseline is not None else None
    for label, expect_mask in (("with_mask", True), ("without_mask", False)):
        directory = folder / label
        if not directory.is_dir():
            raise UsageError(f"mask photos {folder}: no {label}/ folder (expected with_mask/ and without_mask/)")
        for path in images_in(directory):
            image = on_canvas(read_image(path))
            started = time.perf_counter()
            kiosk.add(label, path, expect_mask, _kiosk_verdict(pipeline, image), time.perf_counter() - started)
            if alone is not None:
                started = time.perf_counter()
                alone.add(label, path, expect_mask, baseline.classify(image), time.perf_counter() - started)
    report = kiosk.report()
    if alone is not None:
        report["baseline"] = {"name": "opencv", "detector": "mask detector alone", **alone.report()}
    if failures is not None:
        failures.extend(kiosk.failures + (alone.failures if alone is not None else []))
    return report


def _kiosk_verdict(pipeline: FacePipeline, image: np.ndarray) -> tuple[bool, float] | None:
    """(masked, mask score) of the largest face the kiosk finds (with its rescue of masked faces), or None."""
    face = pipeline.largest_face(image)
    if face is None:
        return None
    verdict = pipeline.mask_classifier.classify(image, face.box)
    return verdict.masked, verdict.score


class _Tally:
    """Counts per class for one pipeline, and its failures."""

    def __init__(self, pipeline: str, threshold: float) -> None:
        self._pipeline = pipeline
        self._threshold = threshold
        self._counts = {label: {"images": 0, "no_face": 0, "correct": 0} for label in ("with_mask", "without_mask")}
        self._seconds = 0.0
        self.failures: list[dict] = []

    def add(self, label: str, path: Path, expect_mask: bool, verdict: tuple[bool, float] | None, seconds: float) -> None:
        counts = self._counts[label]
        counts["images"] += 1
        self._seconds += seconds
        if verdict is None:
            counts["no_face"] += 1
            why = "no face"
        elif verdict[0] == expect_mask:
            counts["correct"] += 1
            return
        else:
            why = "called masked" if verdict[0] else "called bare"
        self.failures.append({
            "pipeline": self._pipeline, "path": str(path), "expected": label,
            "score": None if verdict is None else round(verdict[1], 4), "threshold": self._threshold, "why": why,
        })

    def report(self) -> dict:
        report: dict = {}
        for label, counts in self._counts.items():
            accuracy = round(counts["correct"] / counts["images"], 4) if counts["images"] else 0.0
            report[label] = {**counts, "accuracy": accuracy}
        total = sum(counts["images"] for counts in self._counts.values())
        report["ms_per_image"] = round(1000 * self._seconds / max(total, 1), 1)
        return report
