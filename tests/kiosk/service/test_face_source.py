"""The face source on real models and redistributable photos, with the gallery read back from storage."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from hardware.camera import Frame
from hardware.clock import ManualClock
from kiosk.gate.events import Outcome, Status
from kiosk.service.sources.face import FaceSource, GalleryLoader
from kiosk.storage import Consent, Storage, StorageConfig
from kiosk.vision import FacePipeline, FrameAnalyser, VisionConfig
from kiosk.vision.demo_faces import demo_faces, masked_probe


@pytest.fixture(scope="module")
def pipeline(models_dir: Path) -> FacePipeline:
    return FacePipeline(VisionConfig(models_dir=str(models_dir)))


@pytest.fixture
def source(pipeline: FacePipeline, tmp_path: Path, clock: ManualClock) -> FaceSource:
    storage = Storage.open(StorageConfig(path=tmp_path / "kiosk.db", device_key_file=tmp_path / "device.key"), clock)
    now = clock.wall()
    storage.people.enroll("holder-1", pipeline.enrollment_templates([demo_faces().enrolled]), Consent("entry", now, now + 86400, "desk"))
    config = VisionConfig()
    loader = GalleryLoader(storage, config)
    return FaceSource(FrameAnalyser(pipeline, unchanged_level=0.0), loader, "allow")


def frames_of(image: np.ndarray, count: int) -> list[Frame]:
    """The same view with a little sensor noise, as consecutive camera frames."""
    rng = np.random.default_rng(0)
    noisy = [np.clip(image.astype(np.int16) + rng.integers(-3, 4, image.shape), 0, 255).astype(np.uint8) for _ in range(count)]
    return [Frame(frame, i * 0.1, i) for i, frame in enumerate(noisy)]


def face_outcomes(source: FaceSource, image: np.ndarray, frames: int = 4) -> list[Outcome]:
    found = []
    for frame in frames_of(image, frames):
        found += [outcome for check, outcome in source.poll(frame.taken_at, frame, True) if check == "face"]
    return found


def test_the_holder_unmasked_matches_one_to_one(source: FaceSource) -> None:
    source.start_visit("holder-1")
    [outcome] = face_outcomes(source, cv2.flip(demo_faces().enrolled, 1))
    assert (outcome.status, outcome.reason) == (Status.PASSED, "face-match")


def test_the_holder_masked_matches_one_to_one(source: FaceSource, pipeline: FacePipeline) -> None:
    faces = demo_faces()
    photo = pipeline.analyse(faces.enrolled)
    assert photo is not None
    source.start_visit("holder-1")
    # the probe's face is 80 px wide, the default minimum, so sensor noise could make a frame ask to come closer
    probe = cv2.resize(masked_probe(faces.enrolled, photo.face.landmarks), None, fx=1.25, fy=1.25)
    [outcome] = face_outcomes(source, probe)
    assert outcome.status is Status.PASSED
    assert outcome.detail.startswith("face matches")  # plain matching: the mask model is not run by default


def test_a_stranger_with_the_holders_pass_is_refused_after_several_frames(source: FaceSource) -> None:
    source.start_visit("holder-1")
    outcomes = face_outcomes(source, demo_faces().unknown, frames=5)
    assert [(o.status, o.reason) for o in outcomes] == [(Status.FAILED, "face-mismatch")]


def test_without_a_holder_the_gallery_is_searched_and_a_stranger_is_unknown(source: FaceSource) -> None:
    source.start_visit(None)
    [known] = face_outcomes(source, demo_faces().enrolled)
    assert known.subject == "holder-1"
    source.start_visit(None)
    [unknown] = face_outcomes(source, demo_faces().unknown)
    assert unknown.reason == "face-unknown" and unknown.subject is None


def test_a_pass_holder_without_an_enrolment_is_refused(source: FaceSource) -> None:
    source.start_visit("holder-2")
    [outcome] = face_outcomes(source, demo_faces().enrolled)
    assert outcome.reason == "face-not-enrolled"


def test_faces_are_not_analysed_outside_a_visit(source: FaceSource) -> None:
    assert face_outcomes(source, demo_faces().enrolled) == []


def test_plain_matching_leaves_stored_synthetic_mask_templates_out(
    pipeline: FacePipeline, mask_model: Path, tmp_path: Path, clock: ManualClock
) -> None:
    storage = Storage.open(StorageConfig(path=tmp_path / "kiosk.db", device_key_file=tmp_path / "device.key"), clock)
    now = clock.wall()
    templates = FacePipeline(VisionConfig(masked_templates=True), pipeline.models_dir).enrollment_templates([demo_faces().enrolled])
    storage.people.enroll("holder-1", templates, Consent("entry", now, now + 86400, "desk"))
    synthetic = next(t for t in templates if not t.is_photo)
    plain = VisionConfig(masked_templates=False)
    match = GalleryLoader(storage, plain).load().verify("holder-1", synthetic.embedding, masked=True)
    assert match.threshold == plain.unmasked_threshold and match.score < 0.99  # compared with the photos only
    aware = GalleryLoader(storage, VisionConfig(masked_templates=True)).load().verify("holder-1", synthetic.embedding, masked=True)
    assert aware.score > 0.99


def test_a_consent_that_runs_out_leaves_the_gallery_and_a_renewed_one_brings_the_person_back(
    pipeline: FacePipeline, tmp_path: Path, clock: ManualClock
) -> None:
    storage = Storage.open(StorageConfig(path=tmp_path / "kiosk.db", device_key_file=tmp_path / "device.key"), clock)
    now = clock.wall()
    storage.people.enroll("holder-1", pipeline.enrollment_templates([demo_faces().enrolled]), Consent("entry", now, now + 60, "desk"))
    loader = GalleryLoader(storage, VisionConfig())
    assert "holder-1" in loader.load()
    clock.advance(61.0)
    assert "holder-1" not in loader.load(), "an expired consent stops matching before the purge erases the person"
    assert storage.people.renew_consent("holder-1", Consent("entry", clock.wall(), clock.wall() + 86400, "desk"))
    assert "holder-1" in loader.load()
