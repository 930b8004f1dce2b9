"""Reference-site temperature from one reading: reflected-room correction, and the face in an array image."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from hardware.thermometer.optics import KELVIN


def remove_reflection(apparent_c: float | np.ndarray, background_c: float, emissivity: float) -> float | np.ndarray:
    """Skin temperature from what a sensor set to emissivity 1 reports: skin emits ε of a blackbody and
    reflects (1 − ε) of the room (Stefan–Boltzmann, temperatures in kelvin)."""
    apparent_k4 = (np.asarray(apparent_c) + KELVIN) ** 4
    skin_k4 = (apparent_k4 - (1 - emissivity) * (background_c + KELVIN) ** 4) / emissivity
    return np.maximum(skin_k4, 0) ** 0.25 - KELVIN


@dataclass(frozen=True)
class FaceView:
    """The face in a thermal image: where it is, its hottest pixel and how wide it looks."""

    mask: np.ndarray
    hottest_c: float
    width_px: float


def find_face(pixels_c: np.ndarray, ambient_c: float) -> FaceView:
    """Pixels warmer than halfway between the room and the hottest pixel are face.

    The width counts edge pixels by how far they sit between room and face temperature, so it is
    finer than a pixel; rows are scanned and the widest one taken.
    """
    hottest_c = float(pixels_c.max())
    mask = pixels_c > (hottest_c + ambient_c) / 2
    face_c = float(np.median(pixels_c[mask]))
    if face_c - ambient_c <= 0:
        return FaceView(mask=mask, hottest_c=hottest_c, width_px=0.0)
    fill = np.clip((pixels_c - ambient_c) / (face_c - ambient_c), 0, 1)
    return FaceView(mask=mask, hottest_c=hottest_c, width_px=float(fill.sum(axis=1).max()))


def face_distance_m(width_px: float, columns: int, fov_deg: float, face_width_m: float) -> float | None:
    """How far a face `width_px` wide is from a sensor with `columns` pixels across `fov_deg` (None: no face)."""
    if width_px <= 0:
        return None
    scene_width_per_m = 2 * math.tan(math.radians(fov_deg) / 2)
    return face_width_m / (width_px / columns * scene_width_per_m)
