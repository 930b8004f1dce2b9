"""Reference-site temperature from one reading: reflected-room correction, and the face in an array image."""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from hardware.thermometer.optics import KELVIN

SKIN_MAX_C = 42.0
"""No skin is hotter; a warmer patch (a hot drink, a lamp) is not a face."""


def remove_reflection(apparent_c: float | np.ndarray, background_c: float, emissivity: float) -> float | np.ndarray:
    """Skin temperature from what a sensor set to emissivity 1 reports: skin emits ε of a blackbody and
    reflects (1 − ε) of the room (Stefan–Boltzmann, temperatures in kelvin)."""
    apparent_k4 = (np.asarray(apparent_c) + KELVIN) ** 4
    skin_k4 = (apparent_k4 - (1 - emissivity) * (background_c + KELVIN) ** 4) / emissivity
    return np.maximum(skin_k4, 0) ** 0.25 - KELVIN


@dataclass(frozen=True)
class FaceView:
    """The face in a thermal image: its hottest pixel and how wide it looks (0 when there is no face)."""

    hottest_c: float
    width_px: float


def find_face(pixels_c: np.ndarray, ambient_c: float, min_skin_c: float) -> FaceView:
    """The face is the largest 4-connected patch of skin-warm pixels: warmer than halfway from the room
    to `min_skin_c`, and no hotter than skin can be.

    The width counts the face's edge pixels by how far they sit between room and face temperature,
    so it is finer than a pixel; the widest row is taken. Without a face, `hottest_c` is the warmest
    pixel that could be skin, which the estimator then refuses as too cold.
    """
    plausible = pixels_c <= SKIN_MAX_C
    warm = plausible & (pixels_c >= (ambient_c + min_skin_c) / 2)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(warm.astype(np.uint8), connectivity=4)
    if count < 2:
        return FaceView(hottest_c=float(pixels_c[plausible].max(initial=ambient_c)), width_px=0.0)
    face = labels == 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    face_c = float(np.median(pixels_c[face]))
    near_face = cv2.dilate(face.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    fill = np.where(near_face, np.clip((pixels_c - ambient_c) / (face_c - ambient_c), 0, 1), 0)
    return FaceView(hottest_c=float(pixels_c[face].max()), width_px=float(fill.sum(axis=1).max()))


def face_distance_m(width_px: float, columns: int, fov_deg: float, face_width_m: float) -> float | None:
    """How far a face `width_px` wide is from a sensor with `columns` pixels across `fov_deg` (None: no face)."""
    if width_px <= 0:
        return None
    scene_width_per_m = 2 * math.tan(math.radians(fov_deg) / 2)
    return face_width_m / (width_px / columns * scene_width_per_m)
