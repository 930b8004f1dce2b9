import dataclasses
import shutil

import numpy as np
import pytest

from kiosk.vision import FacePipeline, Gallery, VisionConfig, VisionUnavailable
from kiosk.models import quantise
from kiosk.vision.demo_faces import demo_faces, masked_probe
from kiosk.vision.synthetic_mask import ENROLMENT_STYLES


def test_same_person_scores_higher_than_different_people(pipeline, lfw):
    first = pipeline.analyse(lfw("Abdullah_Gul", 13)).embedding
    second = pipeline.analyse(lfw("Abdullah_Gul", 14)).embedding
    other = pipeline.analyse(lfw("Aaron_Tippin", 1)).embedding
    assert first.shape == (128,) and first.dtype == np.float32 and np.isclose(np.linalg.norm(first), 1)
    assert first @ second > VisionConfig().unmasked_threshold > first @ other


def test_no_face_gives_none_and_a_failed_gate_gives_no_embedding(pipeline, lfw, models_dir):
    assert pipeline.analyse(np.full((240, 320, 3), 90, dtype=np.uint8)) is None
    strict = FacePipeline(VisionConfig(), models_dir)  # default 80 px minimum: LFW faces are smaller
    observation = strict.analyse(lfw("Abdullah_Gul", 13))
    assert observation.embedding is None
    assert observation.quality.reasons[0].startswith("face-too-small: ")


def test_mask_policy_require_refuses_a_bare_face_and_ignore_skips_the_check(lfw, mask_model):
    models_dir = mask_model
    config = VisionConfig(min_face_px=40, mask_policy="require")
    observation = FacePipeline(config, models_dir).analyse(lfw("Abdullah_Gul", 13))
    assert observation.embedding is None
    assert observation.quality.reasons[0].startswith("mask-required: mask score 0.")
    ignoring = FacePipeline(dataclasses.replace(config, mask_policy="ignore"), models_dir)
    assert ignoring.mask_classifier is None
    observation = ignoring.analyse(lfw("Abdullah_Gul", 13))
    assert observation.mask_score is None and observation.embedding is not None


def test_mask_aware_enrolment_adds_one_template_per_synthetic_mask_style(lfw, models_dir):
    config = VisionConfig(min_face_px=40, masked_templates=True, mirror_templates=True)
    templates = FacePipeline(config, models_dir).enrollment_templates([lfw("Abdullah_Gul", 13)])
    names = ["photo"] + [s.name for s in ENROLMENT_STYLES]
    assert [t.variant for t in templates] == [v for n in names for v in (n, f"{n}-mirrored")]
    assert [t.masked for t in templates] == [False] * 2 + [True] * 2 * len(ENROLMENT_STYLES)


def test_enrolment_photo_without_a_face_is_named(pipeline, lfw):
    with pytest.raises(ValueError, match="enrolment photo 'photo 2': no face found"):
        pipeline.enrollment_templates([lfw("Abdullah_Gul", 13), np.zeros((200, 200, 3), np.uint8)])


def test_missing_model_turns_the_face_stage_off_with_the_reason(tmp_path, models_dir):
    shutil.copytree(models_dir / "yunet", tmp_path / "yunet")
    with pytest.raises(VisionUnavailable) as caught:
        FacePipeline(VisionConfig(), tmp_path)
    assert caught.value.model == "sface"
    assert str(tmp_path) in str(caught.value) and "kiosk models fetch" in str(caught.value)


def test_without_the_mask_model_masks_are_unknown_unless_one_is_required(tmp_path, lfw, models_dir):
    for folder in ("yunet", "sface"):
        (tmp_path / folder).mkdir()
        for path in (models_dir / folder).glob("*.onnx"):
            (tmp_path / folder / path.name).symlink_to(path)
    pipeline = FacePipeline(VisionConfig(min_face_px=40), tmp_path)
    assert pipeline.mask_classifier is None
    observation = pipeline.analyse(lfw("Abdullah_Gul", 13))
    assert observation.mask_score is None and observation.embedding is not None
    for config, required in ((VisionConfig(mask_policy="require"), False), (VisionConfig(), True)):
        with pytest.raises(VisionUnavailable, match=f"model 'mask' missing: no mask_aizoo/.* in {tmp_path}.*--from MIRROR") as caught:
            FacePipeline(config, tmp_path, mask_required=required)
        assert caught.value.model == "mask"


def test_missing_int8_ranges_turn_the_face_stage_off_naming_the_float_setting(tmp_path, mask_model, monkeypatch):
    models_dir = mask_model
    monkeypatch.setattr(quantise, "RANGES_DIR", tmp_path)
    with pytest.raises(VisionUnavailable, match="mask_int8_ranges.json: missing .*set vision.mask_int8 = false") as caught:
        FacePipeline(VisionConfig(mask_int8=True), models_dir, mask_required=True)
    assert caught.value.model == "mask"
    assert FacePipeline(VisionConfig(mask_int8=False), models_dir, mask_required=True).mask_classifier is not None


def test_demo_person_is_recognised_with_a_mask_and_a_stranger_is_denied(mask_model):
    models_dir = mask_model
    pipeline = FacePipeline(VisionConfig(), models_dir, mask_required=True)  # kiosk defaults, demo photos are large enough
    faces = demo_faces()
    config = pipeline.config
    gallery = Gallery(*config.match_thresholds)
    gallery.add("astronaut", pipeline.enrollment_templates([faces.enrolled]))
    probe = pipeline.analyse(masked_probe(faces.enrolled, pipeline.analyse(faces.enrolled).face.landmarks))
    assert probe.masked and probe.embedding is not None
    assert gallery.search(probe.embedding, masked=True).person_id == "astronaut"
    stranger = pipeline.analyse(faces.unknown)
    assert not stranger.masked and stranger.embedding is not None
    match = gallery.search(stranger.embedding, masked=False)
    assert match.person_id is None and match.score < match.threshold


def test_plain_matching_by_default_enrols_each_photo_alone(lfw, models_dir):
    templates = FacePipeline(VisionConfig(min_face_px=40), models_dir).enrollment_templates([lfw("Abdullah_Gul", 13), lfw("Abdullah_Gul", 14)])
    assert [(t.variant, t.masked) for t in templates] == [("photo", False), ("photo", False)]


def test_a_masked_face_yunet_scores_below_its_bar_is_rescued_where_the_mask_model_sees_a_face(models_dir, mask_photos):
    import cv2
    from kiosk.vision.eval_masks import on_canvas

    image = on_canvas(cv2.imread(str(mask_photos / "with_mask" / "with_mask_073.jpg")))
    assert FacePipeline(VisionConfig(rescue_masked_faces=False), models_dir, mask_required=True).largest_face(image) is None
    rescuing = FacePipeline(VisionConfig(), models_dir, mask_required=True)
    face = rescuing.largest_face(image)
    assert face is not None and 0.2 <= face.score < rescuing.config.detect_score
    assert rescuing.mask_classifier.classify(image, face.box).masked


def test_the_rescue_finds_nothing_in_an_empty_frame(pipeline):
    assert pipeline.largest_face(np.full((480, 640, 3), 128, np.uint8)) is None
