import numpy as np

from kiosk.vision.align import TEMPLATE, align_face, similarity_transform


def _apply(matrix: np.ndarray, points: np.ndarray) -> np.ndarray:
    return points @ matrix[:, :2].T + matrix[:, 2]


def test_similarity_transform_recovers_rotation_scale_and_shift():
    angle = np.radians(20)
    rotation = 1.7 * np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    source = (TEMPLATE - np.array([5.0, -3.0])) @ np.linalg.inv(rotation).T
    matrix = similarity_transform(source, TEMPLATE)
    assert np.allclose(_apply(matrix, source), TEMPLATE, atol=1e-9)


def test_aligned_face_puts_the_landmarks_on_the_template(pipeline, lfw):
    image = lfw("Abdullah_Gul", 13)
    face = pipeline.detector.detect(image)[0]
    aligned = align_face(image, face.landmarks)
    assert aligned.shape == (112, 112, 3)
    again = pipeline.detector.detect(np.pad(aligned, ((40, 40), (40, 40), (0, 0)), constant_values=128))[0]
    # within the detector's own landmark scatter on a re-detected face: 6.1 px at most here (a mouth corner, YuNet 2023mar)
    assert np.abs(again.landmarks - 40 - TEMPLATE).max() < 7
