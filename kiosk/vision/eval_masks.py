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


def evaluate_masks(pipeline: FacePipeline, folder: Path) -> dict:
    """The JSON report of `kiosk eval masks`: accuracy per class; an image without a face counts as wrong.

    `pipeline` must check masks (mask_policy 'allow' or 'require').
    """
    report: dict = {}
    seconds, total = 0.0, 0
    for label, expect_mask in (("with_mask", True), ("without_mask", False)):
        directory = folder / label
        if not directory.is_dir():
            raise UsageError(f"mask photos {folder}: no {label}/ folder (expected with_mask/ and without_mask/)")
        images = no_face = correct = 0
        for path in images_in(directory):
            image = on_canvas(read_image(path))
            started = time.perf_counter()
            faces = pipeline.detector.detect(image)
            if faces:
                face = max(faces, key=lambda f: f.box[2] * f.box[3])
                correct += pipeline.mask_classifier.classify(image, face.box).masked == expect_mask
            else:
                no_face += 1
            seconds += time.perf_counter() - started
            images += 1
        accuracy = round(correct / images, 4) if images else 0.0
        report[label] = {"images": images, "no_face": no_face, "correct": correct, "accuracy": accuracy}
        total += images
    report["ms_per_image"] = round(1000 * seconds / max(total, 1), 1)
    return report
