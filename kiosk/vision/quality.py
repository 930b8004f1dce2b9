"""Quality gates on a detected face: size, head pose from the landmarks, sharpness and exposure.

Each failed gate adds one reason of the form `name: measured <op> limit`, e.g.
`face-too-small: 48 px < 80 px`, so the kiosk can tell the person what to change.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from kiosk.vision.align import TEMPLATE
from kiosk.vision.config import VisionConfig
from kiosk.vision.detector import DetectedFace

# Nose tip protrudes about 0.55 eye distances in front of the eye line (average adult head).
NOSE_DEPTH = 0.55
FRONTAL_PITCH_RATIO = float((TEMPLATE[2, 1] - TEMPLATE[:2, 1].mean()) / (TEMPLATE[3:, 1].mean() - TEMPLATE[:2, 1].mean()))
# Rows of the aligned 112×112 face that hold the eyes and brows: above any mask.
EYE_ROWS = slice(30, 66)


@dataclass(frozen=True)
class Pose:
    yaw_deg: float
    roll_deg: float
    pitch_ratio: float


@dataclass(frozen=True)
class Quality:
    """The gates' verdict: `reasons` is empty when every gate passed."""

    reasons: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.reasons


def estimate_pose(landmarks: np.ndarray) -> Pose:
    """Yaw from the nose's sideways offset, roll from the eye line, pitch as eyes-to-nose over eyes-to-mouth."""
    right_eye, left_eye, nose, right_mouth, left_mouth = np.asarray(landmarks, dtype=np.float64)
    across = left_eye - right_eye
    eye_distance = max(float(np.linalg.norm(across)), 1e-6)
    unit_across = across / eye_distance
    unit_down = np.array([-unit_across[1], unit_across[0]])
    eye_mid, mouth_mid = (right_eye + left_eye) / 2, (right_mouth + left_mouth) / 2
    offset = float(np.dot(nose - eye_mid, unit_across)) / eye_distance
    yaw = math.degrees(math.atan(offset / NOSE_DEPTH))
    roll = math.degrees(math.atan2(across[1], across[0]))
    mouth_depth = max(float(np.dot(mouth_mid - eye_mid, unit_down)), 1e-6)
    pitch_ratio = float(np.dot(nose - eye_mid, unit_down)) / mouth_depth
    return Pose(yaw, roll, pitch_ratio)


def sharpness(aligned_bgr: np.ndarray) -> float:
    """Variance of the Laplacian over the eye region of the aligned face (low means blurred)."""
    grey = cv2.cvtColor(aligned_bgr[EYE_ROWS], cv2.COLOR_BGR2GRAY)
    return float(cv2.Laplacian(grey, cv2.CV_32F).var())


def brightness(aligned_bgr: np.ndarray) -> float:
    """Mean grey level of the aligned face's eye region, 0..255."""
    return float(cv2.cvtColor(aligned_bgr[EYE_ROWS], cv2.COLOR_BGR2GRAY).mean())


def assess(face: DetectedFace, aligned_bgr: np.ndarray, config: VisionConfig) -> Quality:
    """Every failed gate for `face`, whose aligned crop is `aligned_bgr`."""
    reasons = []
    if face.size_px < config.min_face_px:
        reasons.append(f"face-too-small: {face.size_px:.0f} px < {config.min_face_px} px")
    pose = estimate_pose(face.landmarks)
    if abs(pose.yaw_deg) > config.max_yaw_deg:
        reasons.append(f"head-turned: yaw {abs(pose.yaw_deg):.0f}° > {config.max_yaw_deg:.0f}°")
    if abs(pose.roll_deg) > config.max_roll_deg:
        reasons.append(f"head-tilted: roll {abs(pose.roll_deg):.0f}° > {config.max_roll_deg:.0f}°")
    pitch_off = abs(pose.pitch_ratio - FRONTAL_PITCH_RATIO)
    if pitch_off > config.max_pitch_ratio:
        reasons.append(f"head-nodding: pitch ratio {pose.pitch_ratio:.2f} off frontal by {pitch_off:.2f} > {config.max_pitch_ratio:.2f}")
    level = brightness(aligned_bgr)
    if level < config.min_brightness:
        reasons.append(f"too-dark: brightness {level:.0f} < {config.min_brightness:.0f}")
    elif level > config.max_brightness:
        reasons.append(f"too-bright: brightness {level:.0f} > {config.max_brightness:.0f}")
    else:
        sharp = sharpness(aligned_bgr)
        if sharp < config.min_sharpness:
            reasons.append(f"too-blurry: sharpness {sharp:.0f} < {config.min_sharpness:.0f}")
    return Quality(tuple(reasons))
