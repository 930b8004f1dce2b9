import cv2
import numpy as np
import pytest

from kiosk.vision.detector import COARSE_SCORE_FACTOR, REFINE_FACE_PX, FaceDetector, box_iou, to_blob


def test_blob_is_bgr_nchw_padded_to_multiples_of_32():
    image = np.full((150, 100, 3), (1, 2, 3), dtype=np.uint8)
    blob = to_blob(image)
    assert blob.shape == (1, 3, 160, 128) and blob.dtype == np.float32
    assert blob[0, :, 0, 0].tolist() == [1, 2, 3]
    assert blob[0, :, 150:, :].max() == 0 and blob[0, :, :, 100:].max() == 0


def test_finds_the_face_and_its_landmarks_in_an_lfw_photo(pipeline, lfw):
    image = lfw("Abdullah_Gul", 13)
    faces = pipeline.detector.detect(image)
    assert len(faces) >= 1
    face = faces[0]
    x, y, width, height = face.box
    assert 40 < x + width / 2 < 110 and 40 < y + height / 2 < 110  # LFW centres the labelled face
    right_eye, left_eye, nose, right_mouth, left_mouth = face.landmarks
    assert right_eye[0] < nose[0] < left_eye[0]
    assert max(right_eye[1], left_eye[1]) < nose[1] < min(right_mouth[1], left_mouth[1])
    assert np.all((face.landmarks >= [x, y]) & (face.landmarks <= [x + width, y + height]))


def one_pass(session) -> FaceDetector:
    return FaceDetector(session, max_side_px=640, coarse_side_px=640)


def test_large_frames_are_detected_at_reduced_size_and_mapped_back(yunet, lfw):
    big = cv2.resize(lfw("Abdullah_Gul", 13), (900, 900), interpolation=cv2.INTER_CUBIC)
    scale = 640 / 900
    at_640 = one_pass(yunet).detect(cv2.resize(big, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA))[0]
    mapped = one_pass(yunet).detect(big)[0]
    np.testing.assert_allclose(mapped.landmarks * scale, at_640.landmarks, atol=1e-3)
    np.testing.assert_allclose(np.array(mapped.box) * scale, at_640.box, atol=1e-3)


def test_two_looks_give_the_whole_frame_landmarks_for_a_kiosk_sized_face(yunet, lfw):
    frame = np.full((480, 640, 3), 110, dtype=np.uint8)
    face = cv2.resize(lfw("Abdullah_Gul", 13), (240, 240), interpolation=cv2.INTER_CUBIC)  # face about 100 px
    frame[101:341, 217:457] = face  # corners off the model's 32 px grid
    whole = one_pass(yunet).detect(frame)
    two_looks = FaceDetector(yunet, max_side_px=640, coarse_side_px=320).detect(frame)
    assert len(whole) == len(two_looks) == 1
    assert max(whole[0].box[2:]) <= REFINE_FACE_PX  # the second look runs at full resolution
    np.testing.assert_allclose(two_looks[0].landmarks, whole[0].landmarks, atol=0.5)  # only the crop's edge differs
    assert two_looks[0].score == pytest.approx(whole[0].score, abs=0.01)


def test_a_face_larger_than_the_refine_size_is_looked_at_again_scaled_down(yunet, lfw):
    frame = np.full((960, 1280, 3), 110, dtype=np.uint8)
    frame[30:930, 190:1090] = cv2.resize(lfw("Abdullah_Gul", 13), (900, 900), interpolation=cv2.INTER_CUBIC)
    whole = FaceDetector(yunet, max_side_px=1280, coarse_side_px=1280).detect(frame)[0]
    two_looks = FaceDetector(yunet, max_side_px=1280, coarse_side_px=320).detect(frame)
    assert len(two_looks) == 1 and max(whole.box[2:]) > 1.5 * REFINE_FACE_PX
    assert box_iou(two_looks[0].box, whole.box) > 0.75
    assert np.abs(two_looks[0].landmarks - whole.landmarks).max() < 0.1 * whole.box[2]  # a mapping slip would be far off


def test_a_face_the_coarse_look_misses_is_found_on_the_whole_frame(yunet, mask_photos):
    masked = cv2.imread(str(mask_photos / "with_mask" / "with_mask_383.jpeg"))  # the coarse look scores it 0.24
    frame = cv2.copyMakeBorder(masked, 120, 120, 120, 120, cv2.BORDER_CONSTANT, value=(128, 128, 128))
    detector = FaceDetector(yunet, score_threshold=0.5, max_side_px=640, coarse_side_px=320)
    longest = max(frame.shape[:2])
    assert detector._detect_at(frame, 320 / longest, COARSE_SCORE_FACTOR * 0.5) == []
    assert len(detector.detect(frame)) == 1


def test_no_face_in_a_blank_frame(pipeline, yunet):
    assert pipeline.detector.detect(np.full((480, 640, 3), 120, dtype=np.uint8)) == []
    assert FaceDetector(yunet).detect(np.full((960, 1280, 3), 120, dtype=np.uint8)) == []  # both looks
