"""The face stage: detect → quality gates → align → mask check → embed, on one BGR frame.

`FacePipeline(config, models_dir)` loads the ONNX models once (sha256-checked) and raises
VisionUnavailable, naming the model, the folder and the fix, when one cannot be used; the gate turns
that into "face stage off: …" and carries on without faces. The mask model is optional (no public
source ships it): without it the mask verdict is unknown (`mask_score` None), unless a mask is
required, when its absence is an error.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kiosk import models
from kiosk.errors import KioskError
from kiosk.vision import quality
from kiosk.vision.align import ALIGNED_SIZE, align_face
from kiosk.vision.config import VisionConfig
from kiosk.vision.detector import DetectedFace, FaceDetector
from kiosk.vision.embedder import FaceEmbedder
from kiosk.vision.gallery import Template
from kiosk.vision.mask import INPUT_SIZE as MASK_INPUT_SIZE
from kiosk.vision.mask import MaskClassifier, MaskVerdict
from kiosk.vision.session import open_session
from kiosk.vision.synthetic_mask import ENROLMENT_STYLES, render_mask
from kiosk.models.quantise import Int8Ranges, RangesError, load_ranges


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
    def __init__(self, config: VisionConfig, models_dir: Path | None = None, mask_required: bool = False) -> None:
        """`mask_required`: the caller needs mask verdicts (the gate's 'mask' check, `kiosk eval masks`) whatever the policy."""
        self.config = config
        self.models_dir = models.resolve_models_dir(models_dir or config.models_dir)
        specs = models.load_manifest()
        paths = {name: self._locate(specs[name]) for name in ("yunet", "sface")}
        if mask_required or config.mask_policy == "require":
            paths["mask"] = self._locate(specs["mask"])
        elif config.mask_policy == "allow":
            try:
                paths["mask"] = models.locate(specs["mask"], self.models_dir)
            except models.ModelMissing as err:
                logger.info("mask verdicts unknown: %s", err)
            except models.ModelError as err:
                raise VisionUnavailable("mask", str(err)) from err
        threads = config.threads
        self.detector = FaceDetector(
            open_session(paths["yunet"], threads, (1, 3, 32, 32)),
            config.detect_score,
            config.detect_max_side_px,
            config.detect_coarse_side_px,
        )
        self.embedder = FaceEmbedder(open_session(paths["sface"], threads, (1, 3, ALIGNED_SIZE, ALIGNED_SIZE)))
        self.mask_classifier = (
            MaskClassifier(
                open_session(paths["mask"], threads, (1, 3, MASK_INPUT_SIZE, MASK_INPUT_SIZE), self._mask_ranges(specs["mask"])),
                config.mask_score,
            )
            if "mask" in paths
            else None
        )

    def _locate(self, spec: models.ModelSpec) -> Path:
        try:
            return models.locate(spec, self.models_dir)
        except models.ModelError as err:
            raise VisionUnavailable(spec.name, str(err)) from err

    def _mask_ranges(self, spec: models.ModelSpec) -> Int8Ranges | None:
        if not self.config.mask_int8:
            return None
        try:
            return load_ranges("mask", spec.sha256)
        except RangesError as err:
            raise VisionUnavailable("mask", f"{err}; or set vision.mask_int8 = false to run the mask model in float") from err

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
