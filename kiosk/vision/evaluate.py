"""Measuring the face stage on labelled photos: LFW-style pairs (optionally with synthetic masks) and mask photos.

Evaluation runs detection, alignment and embedding without the kiosk's quality gates (LFW faces are
about 60 px, below a kiosk's minimum) and takes the face nearest the image centre, as LFW labels it.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import cv2
import numpy as np

from kiosk.errors import UsageError
from kiosk.vision import metrics
from kiosk.vision.align import align_face
from kiosk.vision.detector import DetectedFace
from kiosk.vision.pairs import PairList
from kiosk.vision.pipeline import FacePipeline
from kiosk.vision.synthetic_mask import MASK_STYLES, MaskStyle, render_mask

MaskMode = Literal["none", "synthetic", "synthetic-both"]
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp"}


def read_image(path: Path) -> np.ndarray:
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        raise UsageError(f"image {path}: cannot be read (expected a JPEG, PNG or BMP file)")
    return image


def central_face(faces: list[DetectedFace], shape: tuple[int, ...]) -> DetectedFace | None:
    """The face whose box centre is nearest the image centre."""
    if not faces:
        return None
    centre = np.array([shape[1] / 2, shape[0] / 2])
    return min(faces, key=lambda f: float(np.linalg.norm(np.array(f.box[:2]) + np.array(f.box[2:]) / 2 - centre)))


def mask_style_for(path: Path, shift: int = 0) -> MaskStyle:
    """A mask style picked from the file name, so runs are repeatable and styles vary across images."""
    return MASK_STYLES[(zlib.crc32(path.name.encode()) + shift) % len(MASK_STYLES)]


class PairEmbedder:
    """Embeds each image once per mask style, timing the work per image."""

    def __init__(self, pipeline: FacePipeline) -> None:
        self._pipeline = pipeline
        self._cache: dict[tuple[Path, str], np.ndarray | None] = {}
        self.seconds = 0.0
        self.images = 0

    def embedding(self, path: Path, style: MaskStyle | None) -> np.ndarray | None:
        key = (path, style.name if style else "")
        if key not in self._cache:
            started = time.perf_counter()
            self._cache[key] = self._embed(read_image(path), style)
            self.seconds += time.perf_counter() - started
            self.images += 1
        return self._cache[key]

    def _embed(self, image: np.ndarray, style: MaskStyle | None) -> np.ndarray | None:
        detector = self._pipeline.detector
        face = central_face(detector.detect(image), image.shape)
        if face is not None and style is not None:
            image = render_mask(image, face.landmarks, style)
            face = central_face(detector.detect(image), image.shape)
        if face is None:
            return None
        return self._pipeline.embedder.embed(align_face(image, face.landmarks))


def pair_styles(pair_first: Path, pair_second: Path, mode: MaskMode) -> tuple[MaskStyle | None, MaskStyle | None]:
    """Mask styles for (gallery side, probe side): none, probe only, or two different styles on both."""
    if mode == "none":
        return None, None
    probe = mask_style_for(pair_second)
    if mode == "synthetic":
        return None, probe
    gallery = mask_style_for(pair_first)
    if gallery == probe:
        gallery = mask_style_for(pair_first, shift=1)
    return gallery, probe


def evaluate_pairs(pipeline: FacePipeline, pair_list: PairList, mode: MaskMode) -> dict[str, float | int]:
    """The JSON report of `kiosk eval faces`."""
    embedder = PairEmbedder(pipeline)
    scores, same, folds = [], [], []
    for pair in pair_list.pairs:
        gallery_style, probe_style = pair_styles(pair.first, pair.second, mode)
        first = embedder.embedding(pair.first, gallery_style)
        second = embedder.embedding(pair.second, probe_style)
        scores.append(-np.inf if first is None or second is None else float(first @ second))
        same.append(pair.same)
        folds.append(pair.fold)
    return pair_report(np.array(scores), np.array(same), np.array(folds), pair_list.folds, embedder)


def pair_report(scores: np.ndarray, same: np.ndarray, folds: np.ndarray, fold_count: int, embedder: PairEmbedder) -> dict:
    tar_2, _ = metrics.tar_at_far(scores, same, 1e-2)
    tar_3, threshold_3 = metrics.tar_at_far(scores, same, 1e-3)
    report: dict[str, float | int] = {
        "pairs": int(len(scores)),
        "no_face": int(np.sum(~np.isfinite(scores))),
        "accuracy": round(metrics.accuracy_at(scores, same, metrics.best_threshold(scores, same)), 4),
    }
    if fold_count > 1:
        report["accuracy_10fold"] = round(metrics.kfold_accuracy(scores, same, folds)[0], 4)
    report.update({
        "tar_at_far_1e-2": round(tar_2, 4),
        "tar_at_far_1e-3": round(tar_3, 4),
        "threshold_at_far_1e-3": round(threshold_3, 4),
        "ms_per_image": round(1000 * embedder.seconds / max(embedder.images, 1), 1),
    })
    return report


@dataclass(frozen=True)
class MaskResult:
    images: int
    no_face: int
    correct: int

    @property
    def accuracy(self) -> float:
        return self.correct / self.images if self.images else 0.0


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
    """The JSON report of `kiosk eval masks`: accuracy per class; an image without a face counts as wrong."""
    if pipeline.mask_classifier is None:
        raise UsageError("eval masks: the mask classifier is off (vision.mask_policy = 'ignore')")
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
        result = MaskResult(images, no_face, correct)
        report[label] = {"images": images, "no_face": no_face, "correct": correct, "accuracy": round(result.accuracy, 4)}
        total += images
    report["ms_per_image"] = round(1000 * seconds / max(total, 1), 1)
    return report
