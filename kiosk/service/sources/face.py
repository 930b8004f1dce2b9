"""The face, mask and liveness checks: camera frame → face pipeline → 1:1 against the pass holder, or 1:N.

Faces are analysed only while a visit waits for them, and unchanged frames reuse the last answer.
A pass that names a holder (a kiosk pass's pseudonymous subject id) is matched 1:1 against that
person's enrolment; other credentials are searched 1:N. A match passes at once; a non-match fails
only after several analysed frames disagree, so one blurred frame does not deny anyone. An unknown
face gets a verdict, never the nearest name.

Liveness, when the policy requires it, is decided on its own: the MiniFASNet evidence of the last
`vision.liveness.frames` frames of the tracked face (kiosk.vision.liveness). A photo or a screen
held up is denied with a reason the person understands, even when the face on it matches. Without
the liveness models the check reports unavailable, once per visit, so every visit is denied
'liveness-unavailable' while face recognition itself keeps working.
"""

from __future__ import annotations

import logging

import numpy as np

from hardware.camera import Frame
from hardware.clock import Clock
from kiosk import models
from kiosk.config.schema import KioskConfig
from kiosk.gate.events import Outcome, Status
from kiosk.storage.storage import Storage
from kiosk.vision import FaceObservation, FacePipeline, FrameAnalyser, Gallery, Match, Template, VisionConfig
from kiosk.vision.antispoof import load_liveness_model
from kiosk.vision.liveness import LivenessTrack, LivenessVerdict

logger = logging.getLogger(__name__)

NON_MATCHES_BEFORE_FAILING = 3
SPOOF_PROMPT = "Please remove the photo and look at the camera yourself."

QUALITY_PROMPTS = {
    "face-too-small": "Please come closer to the camera.",
    "head-turned": "Please look straight at the camera.",
    "head-tilted": "Please hold your head straight.",
    "head-nodding": "Please look straight at the camera.",
    "too-dark": "Please step into the light.",
    "too-bright": "Please step out of the glare.",
    "too-blurry": "Please hold still.",
}


class FaceSource:
    checks = ("face", "mask", "liveness")
    needs_camera = True

    def __init__(
        self,
        analyser: FrameAnalyser,
        gallery_loader: GalleryLoader,
        mask_policy: str,
        liveness: LivenessTrack | None = None,
        liveness_unavailable: str | None = None,
        required: tuple[str, ...] = ("face", "mask"),
    ) -> None:
        """`liveness`: the track that decides the 'liveness' check (None: not required, or its models are missing);
        `liveness_unavailable`: why the required liveness check cannot run; `required`: the policy's checks (a policy
        with liveness but no face check is not held up by face matching)."""
        self._analyser = analyser
        self._gallery_loader = gallery_loader
        self._mask_policy = mask_policy
        self._liveness = liveness
        self._liveness_unavailable = liveness_unavailable
        self._matches_faces = "face" in required or "mask" in required
        self._gallery = gallery_loader.load()
        self._face_pending = False
        self._liveness_pending = False
        self._holder_id: str | None = None
        self._non_matches = 0
        self._last_prompt = ""

    def start_visit(self, holder_id: str | None) -> None:
        self._gallery = self._gallery_loader.load()  # picks up enrolments and erasures made meanwhile
        self._face_pending = self._matches_faces
        self._liveness_pending = self._liveness is not None or self._liveness_unavailable is not None
        if self._liveness is not None:
            self._liveness.lose()
        self._holder_id = holder_id
        self._non_matches = 0
        self._last_prompt = ""

    def poll(self, now: float, frame: Frame | None, listening: bool) -> list[tuple[str, Outcome]]:
        if self._liveness_pending and self._liveness_unavailable is not None:
            self._liveness_pending = False
            why = self._liveness_unavailable
            return [("liveness", Outcome(Status.UNAVAILABLE, "liveness-unavailable", why, "The liveness check is not working."))]
        if not (self._face_pending or self._liveness_pending) or frame is None:
            return []
        observation = self._analyser.analyse(frame)
        if observation is None:
            if self._liveness is not None:
                self._liveness.lose()
            return []
        reports = self._liveness_reports(observation)
        if any(outcome.status is Status.FAILED for _, outcome in reports):
            self._face_pending = False
            return reports
        if self._face_pending:
            reports += self._face_reports(observation)
        return reports

    def _liveness_reports(self, observation: FaceObservation) -> list[tuple[str, Outcome]]:
        if not self._liveness_pending or self._liveness is None or observation.liveness is None:
            return []
        verdict = self._liveness.add(observation.face.box, observation.liveness)
        if verdict is None:
            return []
        self._liveness_pending = False
        return [("liveness", liveness_outcome(verdict))]

    def _face_reports(self, observation: FaceObservation) -> list[tuple[str, Outcome]]:
        mask = self._mask_outcome(observation)
        if mask.status is Status.FAILED:
            self._face_pending = self._liveness_pending = False
            return [("mask", mask)]
        if observation.embedding is None:
            return self._prompt(observation)
        match = self._match(observation.embedding, observation.masked)
        face = self._face_outcome(match, observation.mask_score is not None)
        if face is None:
            return []
        self._face_pending = False
        if face.status is Status.FAILED:
            self._liveness_pending = False
        return [("mask", mask), ("face", face)]

    def _mask_outcome(self, observation: FaceObservation) -> Outcome:
        if self._mask_policy == "require" and not observation.masked:
            return Outcome(Status.FAILED, "mask-missing", f"no mask (score {observation.mask_score or 0:.2f})", "Please wear a mask.")
        worn = "mask not checked" if observation.mask_score is None else "mask worn" if observation.masked else "no mask"
        return Outcome(Status.PASSED, "mask-ok", f"{worn}; policy {self._mask_policy}", "ok")

    def _prompt(self, observation: FaceObservation) -> list[tuple[str, Outcome]]:
        reason = observation.quality.reasons[0]
        prompt = QUALITY_PROMPTS.get(reason.split(":")[0], "Please look at the camera.")
        if prompt == self._last_prompt:
            return []
        self._last_prompt = prompt
        return [("face", Outcome(Status.RETRY, "face-quality", reason, prompt))]

    def _match(self, embedding: np.ndarray, masked: bool) -> Match | None:
        if self._holder_id is None:
            return self._gallery.search(embedding, masked)
        if self._holder_id not in self._gallery:
            return None
        return self._gallery.verify(self._holder_id, embedding, masked)

    def _face_outcome(self, match: Match | None, mask_checked: bool) -> Outcome | None:
        if match is None:
            return Outcome(Status.FAILED, "face-not-enrolled", "no face enrolled for this pass's holder", "No face is enrolled for this pass. Please see a member of staff.")
        kind = ("masked face" if match.masked else "unmasked face") if mask_checked else "face"
        if match.matched:
            return Outcome(
                Status.PASSED,
                "face-match",
                f"{kind} matches (cosine {match.score:.2f} ≥ {match.threshold:.2f})",
                "Face recognised.",
                subject=None if self._holder_id else match.person_id,
            )
        self._non_matches += 1
        if self._non_matches < NON_MATCHES_BEFORE_FAILING:
            return None
        if self._holder_id is None:
            detail = f"{kind} matches nobody enrolled (best cosine {match.score:.2f} < {match.threshold:.2f})"
            return Outcome(Status.FAILED, "face-unknown", detail, "Your face is not recognised. Please see a member of staff.")
        detail = f"{kind} does not match the pass holder (cosine {match.score:.2f} < {match.threshold:.2f})"
        return Outcome(Status.FAILED, "face-mismatch", detail, "Your face does not match this pass.")

    def close(self) -> None:
        pass


class GalleryLoader:
    """Builds the gallery from the people store, again only when its templates changed (enrolment, erasure, expiry).

    Only the templates `config` matches with are loaded: enrolments made under mask-aware matching keep
    their synthetic-mask templates in the store, unused while `masked_templates` is off.
    """

    def __init__(self, storage: Storage, config: VisionConfig) -> None:
        self._storage = storage
        self._config = config
        self._thresholds = config.match_thresholds
        self._version: tuple[float, ...] | None = None
        self._gallery = Gallery(*self._thresholds)

    def load(self) -> Gallery:
        now = self._storage.clock.wall()
        version = self._data_version(now)
        if version != self._version:
            gallery = Gallery(*self._thresholds)
            by_person: dict[str, list[Template]] = {}
            for person_id, embedding, masked, variant in self._storage.people.load_templates(now):
                if not self._config.uses_template(variant):
                    continue
                by_person.setdefault(person_id, []).append(Template(embedding, masked, variant))
            for person_id, templates in by_person.items():
                gallery.add(person_id, templates)
            self._gallery, self._version = gallery, version
        return self._gallery

    def _data_version(self, now: float) -> tuple[float, ...]:
        """A cheap fingerprint of who may be matched at `now`: it changes with every enrolment and erasure,
        a consent renewed, and a consent running out before the hourly purge erases the person."""
        connection = self._storage.db.connection
        count, newest = connection.execute("SELECT count(*), coalesce(max(rowid), 0) FROM templates").fetchone()
        consents, expiries, valid = connection.execute(
            "SELECT count(*), total(expires_at), coalesce(sum(expires_at > ?), 0) FROM consents", (now,)
        ).fetchone()
        return int(count), int(newest), int(consents), float(expiries), int(valid)


def liveness_outcome(verdict: LivenessVerdict) -> Outcome:
    if verdict.live:
        return Outcome(Status.PASSED, "liveness-ok", verdict.detail, "ok")
    return Outcome(Status.FAILED, "liveness-failed", verdict.detail, SPOOF_PROMPT)


def build_face_source(config: KioskConfig, clock: Clock, storage: Storage) -> FaceSource:
    """Raises VisionUnavailable (naming the model, where it looked, how to get it) when a face model is missing.

    Missing liveness models do not stop the face check: the liveness check alone reports unavailable.
    """
    liveness, unavailable, model = None, None, None
    if "liveness" in config.gate.checks:
        try:
            model = load_liveness_model(models.resolve_models_dir(config.vision.models_dir), config.vision.threads)
        except models.ModelError as err:
            unavailable = str(err)
            logger.error("liveness check unavailable, every visit will be denied liveness-unavailable: %s", err)
        else:
            liveness = LivenessTrack(config.vision.liveness, config.vision.track_min_iou)
    pipeline = FacePipeline(config.vision, mask_required="mask" in config.gate.checks, liveness=model)
    analyser = FrameAnalyser(pipeline, config.vision.unchanged_frame_level)
    loader = GalleryLoader(storage, config.vision)
    return FaceSource(analyser, loader, config.vision.mask_policy, liveness, unavailable, tuple(config.gate.checks))
