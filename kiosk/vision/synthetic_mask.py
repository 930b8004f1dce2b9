"""Synthetic face masks drawn from the 5 landmarks, for masked enrolment templates and masked evaluation.

The landmarks give a face frame: origin at the midpoint of the eyes, `across` along the eye line in
units of the eye distance, `down` perpendicular to it in units of the eye-to-mouth distance. In that
frame the nose tip sits near down = 0.5, the mouth at 1.0 and the chin near 1.7, so a mask outline
written in face units follows the head's position, size and roll. Each style is a polygon in face
units (the nose bridge, cheeks, jaw and chin), filled with a flat colour, shaded darker towards its
lower edge, with a thin darker outline, optional pleats or a centre seam, and ear loops.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np


@dataclass(frozen=True)
class MaskStyle:
    """A mask shape (outline in face units) and its colour (BGR)."""

    name: str
    outline: tuple[tuple[float, float], ...]
    colour_bgr: tuple[int, int, int]
    pleats: int = 0
    seam: bool = False


_SURGICAL = ((-1.15, 0.42), (-0.5, 0.36), (0.0, 0.3), (0.5, 0.36), (1.15, 0.42), (1.2, 1.25), (0.9, 1.6),
             (0.0, 1.75), (-0.9, 1.6), (-1.2, 1.25))
_CLOTH = ((-1.2, 0.38), (-0.6, 0.28), (0.0, 0.22), (0.6, 0.28), (1.2, 0.38), (1.25, 1.05), (1.0, 1.5),
          (0.55, 1.8), (0.0, 1.9), (-0.55, 1.8), (-1.0, 1.5), (-1.25, 1.05))
_N95 = tuple(
    (float(1.05 * np.sin(t)), float(1.05 - 0.78 * np.cos(t))) for t in np.linspace(0, 2 * np.pi, 24, endpoint=False)
)
_KN95 = ((-1.1, 0.45), (0.0, 0.25), (1.1, 0.45), (1.15, 1.15), (0.0, 1.85), (-1.15, 1.15))

# Drawn on enrolment photos to make masked templates.
ENROLMENT_STYLES: tuple[MaskStyle, ...] = (
    MaskStyle("surgical-blue", _SURGICAL, (225, 205, 160), pleats=3),
    MaskStyle("surgical-white", _SURGICAL, (235, 235, 232), pleats=3),
    MaskStyle("cloth-black", _CLOTH, (40, 38, 36)),
    MaskStyle("cloth-grey", _CLOTH, (130, 125, 120)),
    MaskStyle("n95-white", _N95, (215, 220, 222), seam=True),
    MaskStyle("kn95-black", _KN95, (50, 50, 55), seam=True),
)
# Held out from enrolment: evaluation masks probes with these, so no probe wears a mask the gallery was rendered with.
EVALUATION_STYLES: tuple[MaskStyle, ...] = (
    MaskStyle("surgical-green", _SURGICAL, (150, 190, 140), pleats=3),
    MaskStyle("cloth-pink", _CLOTH, (180, 160, 230)),
    MaskStyle("cloth-navy", _CLOTH, (95, 45, 30)),
    MaskStyle("kn95-white", _KN95, (228, 230, 230), seam=True),
)
MASK_STYLES = ENROLMENT_STYLES + EVALUATION_STYLES
STYLES_BY_NAME = {style.name: style for style in MASK_STYLES}


def face_frame(landmarks: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Origin (eye midpoint), `across` (one eye distance) and `down` (one eye-to-mouth distance) vectors in pixels."""
    points = np.asarray(landmarks, dtype=np.float64)
    eye_mid = (points[0] + points[1]) / 2
    mouth_mid = (points[3] + points[4]) / 2
    across = points[1] - points[0]
    unit_down = np.array([-across[1], across[0]]) / max(np.linalg.norm(across), 1e-6)
    down = unit_down * max(float(np.dot(mouth_mid - eye_mid, unit_down)), 1e-6)
    return eye_mid, across, down


def _to_pixels(points: tuple[tuple[float, float], ...] | np.ndarray, frame: tuple[np.ndarray, ...]) -> np.ndarray:
    origin, across, down = frame
    units = np.asarray(points, dtype=np.float64)
    return origin + units[:, :1] * across + units[:, 1:] * down


def render_mask(image_bgr: np.ndarray, landmarks: np.ndarray, style: MaskStyle) -> np.ndarray:
    """A copy of `image_bgr` with `style` drawn over the lower face located by `landmarks`."""
    frame = face_frame(landmarks)
    scale = 16  # fixed-point sub-pixel drawing
    outline = np.round(_to_pixels(style.outline, frame) * scale).astype(np.int32)
    result = image_bgr.copy()
    eye_distance = float(np.linalg.norm(frame[1]))
    line = max(1, round(eye_distance / 30))

    for side in (-1, 1):
        loop = np.round(_to_pixels([(side * 1.15, 0.5), (side * 1.7, 0.35), (side * 1.2, 1.2)], frame) * scale)
        cv2.polylines(result, [loop.astype(np.int32)], False, style.colour_bgr, line, cv2.LINE_AA, shift=4)

    area = np.zeros(image_bgr.shape[:2], dtype=np.uint8)
    cv2.fillPoly(area, [outline], 255, cv2.LINE_AA, shift=4)
    coverage = area.astype(np.float32)[..., None] / 255.0
    shading = _shading(image_bgr.shape[:2], frame)[..., None]
    painted = np.asarray(style.colour_bgr, dtype=np.float32) * shading
    result = (result * (1 - coverage) + painted * coverage).astype(np.uint8)

    darker = tuple(int(c * 0.7) for c in style.colour_bgr)
    cv2.polylines(result, [outline], True, darker, line, cv2.LINE_AA, shift=4)
    for index in range(style.pleats):
        depth = 0.75 + 0.25 * index
        pleat = _to_pixels([(-1.1, depth), (1.1, depth)], frame) * scale
        cv2.polylines(result, [np.round(pleat).astype(np.int32)], False, darker, line, cv2.LINE_AA, shift=4)
    if style.seam:
        top, bottom = style.outline[0][1], max(y for _, y in style.outline)
        seam = _to_pixels([(0.0, top), (0.0, bottom)], frame) * scale
        cv2.polylines(result, [np.round(seam).astype(np.int32)], False, darker, line, cv2.LINE_AA, shift=4)
    return result


def _shading(shape: tuple[int, int], frame: tuple[np.ndarray, ...]) -> np.ndarray:
    """Brightness 1.0 at the nose falling to 0.8 at the chin, along the face's own down direction."""
    origin, _, down = frame
    rows, columns = np.mgrid[0 : shape[0], 0 : shape[1]].astype(np.float32)
    depth = ((columns - origin[0]) * down[0] + (rows - origin[1]) * down[1]) / float(np.dot(down, down))
    return np.clip(1.0 - 0.2 * (depth - 0.4) / 1.4, 0.8, 1.0).astype(np.float32)
