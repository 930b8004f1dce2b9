"""The face stage: detect → quality gates → align → mask check → embed, on one BGR frame.

`FacePipeline(config, models_dir)` loads the ONNX models once (sha256-checked) and raises
VisionUnavailable, naming the model, the folder and the fix, when one cannot be used; the gate then
denies every visit that needs the face or mask check with "face-unavailable" and says why. The mask
model is optional (no public package registry ships it): without it the mask verdict is unknown
(`mask_score` None), unless a mask is required, when its absence is an error.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from kiosk import models
from kiosk.errors import CapabilityUnavailable, KioskError
from kiosk.vision import quality, spoof_signals
from kiosk.vision.align import ALIGNED_SIZE, align_face
from kiosk.vision.antispoof import LivenessModel
from kiosk.vision.config import VisionConfig
from kiosk.vision.cpu import cpu_summary, describe
from kiosk.vision.detector import DetectedFace, FaceDetector
from kiosk.vision.embedder import FaceEmbedder
from kiosk.vision.gallery import Template
from kiosk.vision.int8_check import Int8Agreement, ReferencesError, agreement, load_references
from kiosk.vision.liveness import FrameEvidence
from kiosk.vision.mask import INPUT_SIZE as MASK_INPUT_SIZE
from kiosk.vision.mask import MaskClassifier, MaskVerdict
from kiosk.vision.session import open_session
from kiosk.vision.synthetic_mask import ENROLMENT_STYLES, render_mask
from kiosk.models.quantise import RangesError, load_ranges

if TYPE_CHECKING:
    import onnxruntime as ort


logger = logging.getLogger(__name__)


RESCUE_DETECT_SCORE = 0.2
"""YuNet's bar inside a face box found by the mask model (README, 'Vision')."""
RESCUE_CONTEXT = 2.0
"""The rescue crop: this many times the mask model's box, centred on it."""


class VisionUnavailable(CapabilityUnavailable):
    """A model the face stage needs is missing or corrupt; `model` names it, the message says where and how to fix."""

    def __init__(self, model: str, detail: str) -> None:
        self.model = model
        super().__init__(detail)


class EnrolmentError(KioskError, ValueError):
    """An enrolment photo has no usable face, or several; the message names the photo, why, and the fix."""


_ENROLMENT_ADVICE = {
    "face-too-small": "use a closer or larger photo",
    "head-turned": "use a photo looking straight at the camera",
    "head-tilted": "use a photo with the head level",
    "head-nodding": "use a photo with the head level, looking straight ahead",
    "too-dark": "use a brighter, evenly lit photo",
    "too-bright": "use a photo with less light or glare on the face",
    "too-blurry": "use a sharper photo",
    "mask-required": "use a photo with the mask on, or set vision.mask_policy",
}


@dataclass(frozen=True)
class FaceObservation:
    """The best face in a frame. `embedding` is None when a quality gate or the mask policy failed;
    `liveness` is None when the pipeline has no liveness model (the 'liveness' check is not required)."""

    face: DetectedFace
    quality: quality.Quality
    masked: bool
    mask_score: float | None
    embedding: np.ndarray | None
    liveness: FrameEvidence | None = None


class FacePipeline:
    def __init__(
        self, config: VisionConfig, models_dir: Path | None = None, mask_required: bool = False, liveness: LivenessModel | None = None
    ) -> None:
        """`mask_required`: the caller needs mask verdicts (the gate's 'mask' check, `kiosk eval masks`) whatever the policy.
        Otherwise the mask model is loaded only when the config uses its verdicts (`VisionConfig.needs_mask_model`),
        never because the file happens to be there, so the same config gives the same answers on every machine.
        `liveness`: the MiniFASNet pair (antispoof.load_liveness_model), when the caller needs liveness evidence."""
        self.config = config
        self.liveness = liveness
        self.models_dir = models.resolve_models_dir(models_dir or config.models_dir)
        specs = models.load_manifest()
        paths = {name: self._locate(specs[name]) for name in ("yunet", "sface")}
        if mask_required or config.needs_mask_model:
            paths["mask"] = self._locate(specs["mask"])
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

    def _locate(self, spec: models.ModelSpec) -> Path:
        try:
            return models.locate(spec, self.models_dir)
        except models.ModelError as err:
            raise VisionUnavailable(spec.name, str(err)) from err

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
        """The detected face with the largest box, or None; with `rescue_masked_faces`, see `rescued_face`."""
        faces = self.detector.detect(frame_bgr)
        if faces:
            return max(faces, key=lambda f: f.box[2] * f.box[3])
        return self.rescued_face(frame_bgr) if self.config.rescue_masked_faces else None

    def rescued_face(self, frame_bgr: np.ndarray) -> DetectedFace | None:
        """A face YuNet scored below its bar, confirmed by the mask model's own detector (trained on masked faces).

        When the mask model finds a face in the frame, YuNet looks again at a crop around that box and accepts
        a face from RESCUE_DETECT_SCORE whose centre lies inside the mask model's box: two detectors agree, so
        the lower bar does not let background shapes in. Costs one mask-model run on frames without a face.
        """
        if self.mask_classifier is None:
            return None
        found = self.mask_classifier.largest_face(frame_bgr)
        if found is None:
            return None
        (x, y, width, height), _ = found
        half = RESCUE_CONTEXT * max(width, height) / 2
        left, top = max(0, int(x + width / 2 - half)), max(0, int(y + height / 2 - half))
        right, bottom = int(x + width / 2 + half) + 1, int(y + height / 2 + half) + 1
        offset = np.array([left, top], dtype=np.float32)
        inside = [
            DetectedFace((f.box[0] + left, f.box[1] + top, f.box[2], f.box[3]), f.landmarks + offset, f.score)
            for f in self.detector.detect(frame_bgr[top:bottom, left:right], RESCUE_DETECT_SCORE)
            if x <= f.box[0] + left + f.box[2] / 2 <= x + width and y <= f.box[1] + top + f.box[3] / 2 <= y + height
        ]
        return max(inside, key=lambda f: f.score, default=None)

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
        liveness = None if self.liveness is None else self.liveness_evidence(frame_bgr, face)
        return FaceObservation(face, quality.Quality(tuple(reasons)), mask.masked, mask_score, embedding, liveness)

    def liveness_evidence(self, frame_bgr: np.ndarray, face: DetectedFace) -> FrameEvidence:
        """The models' fused P(real) for `face`, with the cheap signals the config switches on; needs `self.liveness`."""
        assert self.liveness is not None
        settings = self.config.liveness
        return FrameEvidence(
            self.liveness.p_real(frame_bgr, face.box),
            spoof_signals.moire_ratio(frame_bgr, face.box) if settings.moire else None,
            spoof_signals.frame_edge_cover(frame_bgr, face.box) if settings.frame_edges else None,
        )

    def enrollment_templates(
        self, images_bgr: Sequence[np.ndarray], names: Sequence[str] | None = None, face: int | None = None
    ) -> list[Template]:
        """Templates for one person: each photo and its mirror image, plus both for every synthetic mask style on photos
        without a mask; mirror images only with `mirror_templates`, mask styles only with `masked_templates`.

        Each photo must show exactly one face, or `face` picks one (counted from the left, from 1).
        Raises EnrolmentError naming the photo (by `names`, else its position) and the fix.
        """
        names = list(names) if names is not None else [f"photo {number}" for number in range(1, len(images_bgr) + 1)]
        templates = []
        for name, image in zip(names, images_bgr, strict=True):
            templates.extend(self.face_templates(image, self._enrolment_face(name, image, face), name))
        return templates

    def face_templates(self, image_bgr: np.ndarray, face: DetectedFace, name: str) -> list[Template]:
        """The enrolment templates of one chosen `face` (see `enrollment_templates`); EnrolmentError naming `name`
        and the fix when a quality gate or the mask policy fails."""
        observation = self.observe(image_bgr, face)
        if observation.embedding is None:
            problems = "; ".join(f"{reason}: {_ENROLMENT_ADVICE.get(reason.split(':')[0], 'use another photo')}"
                                 for reason in observation.quality.reasons)
            raise EnrolmentError(f"enrolment photo '{name}': {problems}")
        landmarks = observation.face.landmarks
        templates = self.photo_templates(align_face(image_bgr, landmarks), observation.masked)
        if not observation.masked and self.config.masked_templates:
            templates.extend(self.masked_templates(image_bgr, landmarks))
        return templates

    def _enrolment_face(self, name: str, image: np.ndarray, face: int | None) -> DetectedFace:
        """The photo's only face, or the `face`-th from the left; a photo of several people is never guessed at."""
        faces = sorted(self.detector.detect(image), key=lambda f: f.box[0])
        if not faces:
            raise EnrolmentError(f"enrolment photo '{name}': no face found (expected one clear, frontal face: use a closer, evenly lit photo)")
        if face is not None:
            if not 1 <= face <= len(faces):
                raise EnrolmentError(f"enrolment photo '{name}': --face {face}, but it shows {len(faces)} face(s) (expected 1 to {len(faces)})")
            return faces[face - 1]
        if len(faces) > 1:
            where = ", ".join(f"{number} at x={f.box[0]:.0f} px" for number, f in enumerate(faces, start=1))
            raise EnrolmentError(
                f"enrolment photo '{name}': {len(faces)} faces (expected exactly one): crop the photo to the person,"
                f" or choose one with --face N, counted from the left ({where})"
            )
        return faces[0]

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
        templates = [Template(self.embedder.embed(aligned_bgr), masked, variant)]
        if self.config.mirror_templates:
            templates.append(Template(self.embedder.embed(aligned_bgr[:, ::-1]), masked, f"{variant}-mirrored"))
        return templates

    def _check_mask(self, frame_bgr: np.ndarray, face: DetectedFace) -> MaskVerdict:
        if self.mask_classifier is None:
            return MaskVerdict(False, 0.0)
        return self.mask_classifier.classify(frame_bgr, face.box)
