import cv2
import numpy as np

from kiosk.vision import VisionConfig
from kiosk.vision.align import TEMPLATE, align_face
from kiosk.vision.detector import DetectedFace
from kiosk.vision.quality import FRONTAL_PITCH_RATIO, assess, estimate_pose


def _rotated(points: np.ndarray, degrees: float) -> np.ndarray:
    angle = np.radians(degrees)
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    return (points - points.mean(axis=0)) @ rotation.T + points.mean(axis=0)


def test_frontal_template_has_no_yaw_roll_or_pitch():
    pose = estimate_pose(TEMPLATE)
    assert abs(pose.yaw_deg) < 3 and abs(pose.roll_deg) < 1
    assert abs(pose.pitch_ratio - FRONTAL_PITCH_RATIO) < 0.01


def test_roll_follows_the_eye_line_and_yaw_the_nose():
    assert abs(estimate_pose(_rotated(TEMPLATE, 30)).roll_deg - 30) < 1
    turned = TEMPLATE.copy()
    turned[2, 0] += 20  # nose far to one side
    assert estimate_pose(turned).yaw_deg > 30


def test_good_lfw_face_passes_and_small_face_names_size_and_limit(pipeline, lfw):
    image = lfw("Abdullah_Gul", 13)
    face = pipeline.detector.detect(image)[0]
    aligned = align_face(image, face.landmarks)
    assert assess(face, aligned, VisionConfig(min_face_px=40)).ok
    reasons = assess(face, aligned, VisionConfig(min_face_px=200)).reasons
    assert reasons == (f"face-too-small: {face.size_px:.0f} px < 200 px",)


def test_blurred_dark_and_turned_faces_are_refused_with_reasons(pipeline, lfw):
    image = lfw("Abdullah_Gul", 13)
    face = pipeline.detector.detect(image)[0]
    config = VisionConfig(min_face_px=40)
    blurred = cv2.GaussianBlur(align_face(image, face.landmarks), (0, 0), 4)
    assert assess(face, blurred, config).reasons[0].startswith("too-blurry: sharpness ")
    dark = (align_face(image, face.landmarks) * 0.2).astype(np.uint8)
    assert assess(face, dark, config).reasons[0].startswith("too-dark: brightness ")
    turned = DetectedFace(face.box, _rotated(face.landmarks, 40), face.score)
    (reason,) = assess(turned, align_face(image, face.landmarks), config).reasons
    assert reason.startswith("head-tilted: roll ") and reason.endswith("° > 25°")
