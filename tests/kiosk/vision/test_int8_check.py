"""The load-time int8 check: int8 runs only where it gives the float verdicts on this CPU; the CPU's own answer is reported."""

import logging

import numpy as np
import pytest

from kiosk import models
from kiosk.vision import FacePipeline, VisionConfig
from kiosk.vision.cpu import cpu_summary, describe
from kiosk.vision.demo_faces import demo_faces
from kiosk.vision.int8_check import MAX_SCORE_DIFFERENCE, Int8Agreement, ReferencesError, agreement, load_references, reference_verdicts, save_references
from kiosk.vision.session import open_session
from kiosk.vision.synthetic_mask import STYLES_BY_NAME, render_mask
from kiosk.models import quantise
from kiosk.models.quantise import Int8Ranges, load_ranges, save_ranges

MASK_SHAPE = (1, 3, 260, 260)


@pytest.fixture(scope="module")
def mask_path(mask_model):
    return models.locate(models.load_manifest()["mask"], mask_model)


@pytest.fixture(scope="module")
def float_session(mask_path):
    return open_session(mask_path, 1, MASK_SHAPE)


def coarse_ranges(factor: float) -> Int8Ranges:
    """The shipped ranges made `factor` times wider: int8 steps that coarse no longer give the float answers."""
    shipped = load_ranges("mask", models.load_manifest()["mask"].sha256)
    widened = {name: (low * factor, high * factor) for name, (low, high) in shipped.ranges.items()}
    return Int8Ranges("mask", shipped.model_sha256, f"shipped ranges x{factor}", widened)


@pytest.fixture(scope="module")
def demo_frames(pipeline):
    """Both demo portraits, bare and with a held-out synthetic mask, each with its detected face box."""
    portraits = demo_faces()
    frames = []
    for photo in (portraits.enrolled, portraits.unknown):
        face = pipeline.largest_face(photo)
        frames += [(photo, face.box), (render_mask(photo, face.landmarks, STYLES_BY_NAME["surgical-green"]), face.box)]
    return frames


def test_the_shipped_references_hold_bare_and_masked_faces(float_session):
    verdicts = {v.masked for v in reference_verdicts(float_session, load_references(), 0.5)}
    assert verdicts == {True, False}


def test_a_model_agrees_with_itself_and_a_too_coarse_int8_model_does_not(float_session, mask_path):
    references = load_references()
    assert agreement(float_session, float_session, references, 0.5) == Int8Agreement(len(references.names), 0, 0.0, 0.0)
    coarse = agreement(float_session, open_session(mask_path, 1, MASK_SHAPE, coarse_ranges(64)), references, 0.5)
    assert coarse.verdicts_differ > 0 and not coarse.is_close


def test_a_pipeline_whose_int8_model_disagrees_runs_the_float_model_and_logs_why(tmp_path, monkeypatch, caplog, models_dir, mask_model, demo_frames):
    coarse, references = coarse_ranges(64), load_references()
    monkeypatch.setattr(quantise, "RANGES_DIR", tmp_path)
    save_ranges(coarse)
    save_references(references)
    with caplog.at_level(logging.WARNING, logger="kiosk.vision.pipeline"):
        pipeline = FacePipeline(VisionConfig(mask_int8=True), models_dir, mask_required=True)
    assert not pipeline.mask_int8_agreement.is_close
    assert "the int8 mask model disagrees with float on" in caplog.text and "running it in float" in caplog.text
    exact = FacePipeline(VisionConfig(mask_int8=False), models_dir, mask_required=True)
    for frame, box in demo_frames:
        assert pipeline.mask_classifier.classify(frame, box) == exact.mask_classifier.classify(frame, box)


def test_this_cpu_runs_int8_only_where_it_gives_the_float_verdicts(models_dir, mask_model, demo_frames, record_property, capsys):
    """No CPU family is expected to pass or fail: with VNNI int8 usually agrees, with AVX2 alone it may not; either way
    the pipeline's classifier gives the float verdicts on the references, and the CPU's answer is reported."""
    pipeline = FacePipeline(VisionConfig(mask_int8=True), models_dir, mask_required=True)
    exact = FacePipeline(VisionConfig(mask_int8=False), models_dir, mask_required=True)
    answer = pipeline.mask_int8_agreement
    record_property("cpu", describe(cpu_summary()))
    record_property("int8_agreement", answer.describe())
    record_property("int8_in_use", answer.is_close)
    with capsys.disabled():
        print(f"\n{describe(cpu_summary())}: int8 {'in use' if answer.is_close else 'off'}: {answer.describe()}")
    for frame, box in demo_frames:
        used, float_verdict = (p.mask_classifier.classify(frame, box) for p in (pipeline, exact))
        assert used.masked == float_verdict.masked
        assert used.score == pytest.approx(float_verdict.score, abs=MAX_SCORE_DIFFERENCE)


def test_missing_and_malformed_references_name_the_file(tmp_path):
    with pytest.raises(ReferencesError, match=r"refs.json: missing \(write them with 'python -m kiosk.models.calibrate_int8 --references'\)"):
        load_references(tmp_path / "refs.json")
    (tmp_path / "refs.json").write_text('{"inputs": [{"name": "a", "face": [0, 0, 1, 1], "jpeg": "not base64!"}]}')
    with pytest.raises(ReferencesError, match="refs.json: unreadable"):
        load_references(tmp_path / "refs.json")


def test_references_round_trip_and_refuse_a_wrong_size(tmp_path):
    references = load_references()
    path = save_references(references, tmp_path / "refs.json")
    again = load_references(path)
    assert again.names == references.names and again.faces == references.faces
    small = type(references)(("tiny",), (np.zeros((32, 32, 3), np.uint8),), ((0.0, 0.0, 1.0, 1.0),), "test")
    with pytest.raises(ReferencesError, match=r"1 inputs, 1 malformed \(tiny\); expected 260×260 colour JPEGs"):
        load_references(save_references(small, tmp_path / "small.json"))
