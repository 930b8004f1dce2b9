"""The face stage: detect → quality gates → align → mask check → embed, on one BGR frame.

`FacePipeline(config, models_dir)` loads the three ONNX models once (sha256-checked) and raises
VisionUnavailable, naming the model, the folder and the fix, when one cannot be used; the gate turns
that into "face stage off: …" and carries on without faces.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

import models
from kiosk.errors import KioskError
from kiosk.vision import quality
from kiosk.vision.align import ALIGNED_SIZE, align_face
from kiosk.vision.config import VisionConfig
from kiosk.vision.cpu import cpu_summary, describe
from kiosk.vision.detector import DetectedFace, FaceDetector
from kiosk.vision.embedder import FaceEmbedder
from kiosk.vision.gallery import Template
from kiosk.vision.int8_check import Int8Agreement, ReferencesError, agreement, load_references
from kiosk.vision.mask import INPUT_SIZE as MASK_INPUT_SIZE
from kiosk.vision.mask import MaskClassifier, MaskVerdict
from kiosk.vision.session import open_session
from kiosk.vision.synthetic_mask import ENROLMENT_STYLES, render_mask
from models.quantise import RangesError, load_ranges

if TYPE_CHECKING:
    import onnxruntime as ort

logger = logging.getLogger(__name__)


class VisionUnavailable(KioskError):
    """A model the face stage needs is missing or corrupt; `model` names it, the message says where and how to fix."""

    def __init__(self, model: str, detail: str) -> None:
        self.model = model
        super().__init__(detail)


class EnrolmentError(KioskError, ValueError):
    """An enrolment photo has no usable face; the message names the photo and why."""


@dataclass(frozen=True)
class FaceObservation:
    """The best face in a frame. `embedding` is None when a quality gate or the mask policy failed."""

    face: DetectedFace
    quality: quality.Quality
    masked: bool
    mask_score: float | None
    embedding: np.ndarray | None


class FacePipeline:
    def __init__(self, config: VisionConfig, models_dir: Path | None = None) -> None:
        self.config = config
        self.models_dir = models.resolve_models_dir(models_dir or config.models_dir)
        specs = models.load_manifest()
        wanted = ["yunet", "sface"] + ([] if config.mask_policy == "ignore" else ["mask"])
        paths = {}
        for name in wanted:
            try:
                paths[name] = models.locate(specs[name], self.models_dir)
            except models.ModelError as err:
                raise VisionUnavailable(name, str(err)) from err
        threads = config.threads
        self.detector = FaceDetector(
            open_session(paths["yunet"], threads, (1, 3, 32, 32)),
            config.detect_score,
            config.detect_max_side_px,
            config.detect_coarse_side_px,
        )
        self.embedder = FaceEmbedder(open_session(paths["sface"], threads, (1, 3, ALIGNED_SIZE, ALIGNED_SIZE)))
        self.mask_int8_agreement: Int8Agreement | None = None
        """With vision.mask_int8: how int8 compared with float on this CPU at load (int8 runs only if `is_close`)."""
        self.mask_classifier = (
            MaskClassifier(self._mask_session(paths["mask"], specs["mask"]), config.mask_score) if "mask" in paths else None
        )

    def _mask_session(self, path: Path, spec: models.ModelSpec) -> ort.InferenceSession:
        """The float mask model, or with vision.mask_int8 its int8 form where it gives float's verdicts on this CPU."""
        shape = (1, 3, MASK_INPUT_SIZE, MASK_INPUT_SIZE)
        exact = open_session(path, self.config.threads, shape)
        if not self.config.mask_int8:
            return exact
        try:
            fast = open_session(path, self.config.threads, shape, load_ranges("mask", spec.sha256))
            references = load_references()
        except (RangesError, ReferencesError) as err:
            raise VisionUnavailable("mask", f"{err}; or set vision.mask_int8 = false to run the mask model in float") from err
        self.mask_int8_agreement = agreement(exact, fast, references, self.config.mask_score)
        if self.mask_int8_agreement.is_close:
            logger.info("vision.mask_int8: int8 mask model in use on %s: %s", describe(cpu_summary()), self.mask_int8_agreement.describe())
            return fast
        logger.warning(
            "vision.mask_int8: the int8 mask model disagrees with float on %s (%s); running it in float",
            describe(cpu_summary()), self.mask_int8_agreement.describe(),
        )
        return exact

    def analyse(self, frame_bgr: np.ndarray) -> FaceObservation | None:
        """The largest face in the frame with its verdicts, or None when there is no face."""
        face = self.largest_face(frame_bgr)
        return None if face is None else self.observe(frame_bgr, face)

    def largest_face(self, frame_bgr: np.ndarray) -> DetectedFace | None:
        """The detected face with the largest box, or None."""
        faces = self.detector.detect(frame_bgr)
        return max(faces, key=lambda f: f.box[2] * f.box[3]) if faces else None

    def observe(self, frame_bgr: np.ndarray, face: DetectedFace, mask: MaskVerdict | None = None) -> FaceObservation:
        """Quality gates, mask check and embedding of `face`; a known `mask` verdict (a tracked face's) skips the mask check."""
        aligned = align_face(frame_bgr, face.landmarks)
        reasons = list(quality.assess(face, aligned, self.config).reasons)
        if mask is None:
            mask = self._check_mask(frame_bgr, face)
        if self.config.mask_policy == "require" and not mask.masked:
            reasons.append(f"mask-required: mask score {mask.score:.2f} < {self.config.mask_score:.2f}")
        embedding = None if reasons else self.embedder.embed(aligned)
        mask_score = None if self.mask_classifier is None else mask.score
        return FaceObservation(face, quality.Quality(tuple(reasons)), mask.masked, mask_score, embedding)

    def enrollment_templates(self, images_bgr: list[np.ndarray]) -> list[Template]:
        """Templates for one person: each photo and its mirror image, plus both for every synthetic mask style on photos without a mask.

        Raises EnrolmentError naming the first photo (counted from 1) with no face or a failed quality gate.
        """
        templates = []
        for number, image in enumerate(images_bgr, start=1):
            observation = self.analyse(image)
            if observation is None:
                raise EnrolmentError(f"enrolment photo {number}: no face found (expected one clear, frontal face)")
            if observation.embedding is None:
                raise EnrolmentError(f"enrolment photo {number}: {'; '.join(observation.quality.reasons)}")
            landmarks = observation.face.landmarks
            templates.extend(self.photo_templates(align_face(image, landmarks), observation.masked))
            if not observation.masked:
                templates.extend(self.masked_templates(image, landmarks))
        return templates

    def photo_templates(self, aligned_bgr: np.ndarray, masked: bool) -> list[Template]:
        """The aligned photo and its mirror image (the mirror adds a view of the face at no risk of a wrong pose)."""
        return self._with_mirror(aligned_bgr, masked, "photo")

    def masked_templates(self, image_bgr: np.ndarray, landmarks: np.ndarray) -> list[Template]:
        """For each synthetic mask style drawn on the face at `landmarks`: the aligned face and its mirror image."""
        templates = []
        for style in ENROLMENT_STYLES:
            aligned = align_face(render_mask(image_bgr, landmarks, style), landmarks)
            templates.extend(self._with_mirror(aligned, True, style.name))
        return templates

    def _with_mirror(self, aligned_bgr: np.ndarray, masked: bool, variant: str) -> list[Template]:
        return [
            Template(self.embedder.embed(aligned_bgr), masked, variant),
            Template(self.embedder.embed(aligned_bgr[:, ::-1]), masked, f"{variant}-mirrored"),
        ]

    def _check_mask(self, frame_bgr: np.ndarray, face: DetectedFace) -> MaskVerdict:
        if self.mask_classifier is None:
            return MaskVerdict(False, 0.0)
        return self.mask_classifier.classify(frame_bgr, face.box)
