import numpy as np

from kiosk.vision.detector import to_blob


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


def test_large_frames_are_detected_at_reduced_size_and_mapped_back(pipeline, lfw):
    image = lfw("Abdullah_Gul", 13)
    small = pipeline.detector.detect(image)[0]
    big = pipeline.detector.detect(np.kron(image, np.ones((6, 6, 1), dtype=np.uint8)))[0]  # 900×900 > 640
    assert np.abs(big.landmarks / 6 - small.landmarks).max() < 3.5  # pixels of the small image


def test_no_face_in_a_blank_frame(pipeline):
    assert pipeline.detector.detect(np.full((480, 640, 3), 120, dtype=np.uint8)) == []
