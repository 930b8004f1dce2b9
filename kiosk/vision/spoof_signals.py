"""Cheap presentation-attack signals beside MiniFASNet, measured on one frame around the face box.

- `moire_ratio`: a screen's pixel grid, re-sampled by the camera, leaves sharp peaks in the face's
  high-frequency spectrum; skin and print give a smooth fall-off. The ratio of the strongest
  high-frequency peak to the band's median magnitude.
- `frame_edge_cover`: a phone's bezel or a sheet's edge draws long straight lines on every side of
  the face, a little way out from it. The share of the four sides (0, 0.25 … 1) that have one.

Both work on the grey image at camera resolution (resizing would smooth the moiré away). Whether
they help is measured in docs/liveness.md; the config leaves them off unless they do.
"""

from __future__ import annotations

import cv2
import numpy as np

from kiosk.vision.detector import Box

MOIRE_PATCH_PX = 64
"""Side of the square patch (face centre, camera pixels) whose spectrum is examined."""
MOIRE_BAND = (0.25, 0.5)
"""Radial band of the spectrum searched for peaks, as fractions of the sampling frequency (0.5 = Nyquist)."""
EDGE_SEARCH = (1.1, 2.6)
"""Straight edges are looked for between these multiples of the face box, about its centre."""
EDGE_MIN_LENGTH = 0.6
"""An edge counts for a side when it is at least this share of the face box's side long."""
EDGE_MAX_SLOPE = 0.25
"""…and runs within about 14° of that side's direction (|dy/dx| or |dx/dy|)."""


def moire_ratio(frame_bgr: np.ndarray, box: Box) -> float:
    """Strongest high-frequency peak over the band's median magnitude, on a patch at the face centre; 0 for a face too small."""
    grey = cv2.cvtColor(frame_bgr, cv2.COLOR_BGR2GRAY).astype(np.float32)
    x, y, width, height = box
    half = MOIRE_PATCH_PX // 2
    centre_x, centre_y = int(x + width / 2), int(y + height / 2)
    if min(width, height) < MOIRE_PATCH_PX or centre_x - half < 0 or centre_y - half < 0:
        return 0.0
    patch = grey[centre_y - half : centre_y + half, centre_x - half : centre_x + half]
    if patch.shape != (MOIRE_PATCH_PX, MOIRE_PATCH_PX):
        return 0.0
    window = np.outer(np.hanning(MOIRE_PATCH_PX), np.hanning(MOIRE_PATCH_PX)).astype(np.float32)
    spectrum = np.abs(np.fft.fftshift(np.fft.fft2((patch - patch.mean()) * window)))
    frequency = np.fft.fftshift(np.fft.fftfreq(MOIRE_PATCH_PX))
    radius = np.hypot(*np.meshgrid(frequency, frequency))
    band = spectrum[(radius >= MOIRE_BAND[0]) & (radius <= MOIRE_BAND[1])]
    median = float(np.median(band))
    return float(band.max() / median) if median > 0 else 0.0


def frame_edge_cover(frame_bgr: np.ndarray, box: Box) -> float:
    """Share of the face's four sides with a long straight edge between 1.1× and 2.6× the box around it."""
    x, y, width, height = box
    centre_x, centre_y = x + width / 2, y + height / 2
    frame_h, frame_w = frame_bgr.shape[:2]
    outer_w, outer_h = EDGE_SEARCH[1] * width / 2, EDGE_SEARCH[1] * height / 2
    left, top = max(0, int(centre_x - outer_w)), max(0, int(centre_y - outer_h))
    right, bottom = min(frame_w, int(centre_x + outer_w)), min(frame_h, int(centre_y + outer_h))
    grey = cv2.cvtColor(frame_bgr[top:bottom, left:right], cv2.COLOR_BGR2GRAY)
    edges = cv2.Canny(cv2.GaussianBlur(grey, (5, 5), 0), 40, 120)
    inner_w, inner_h = EDGE_SEARCH[0] * width / 2, EDGE_SEARCH[0] * height / 2
    edges[
        max(0, int(centre_y - inner_h - top)) : max(0, int(centre_y + inner_h - top)),
        max(0, int(centre_x - inner_w - left)) : max(0, int(centre_x + inner_w - left)),
    ] = 0  # the face itself, and a little margin, is not searched
    min_length = EDGE_MIN_LENGTH * min(width, height)
    lines = cv2.HoughLinesP(edges, 1, np.pi / 180, threshold=int(min_length / 2), minLineLength=int(min_length), maxLineGap=5)
    sides: set[str] = set()
    for x1, y1, x2, y2 in ([] if lines is None else lines.reshape(-1, 4)):
        mid_x, mid_y = (x1 + x2) / 2 + left - centre_x, (y1 + y2) / 2 + top - centre_y
        dx, dy = abs(x2 - x1), abs(y2 - y1)
        if dx > 0 and dy / dx <= EDGE_MAX_SLOPE:
            sides.add("top" if mid_y < 0 else "bottom")
        elif dy > 0 and dx / dy <= EDGE_MAX_SLOPE:
            sides.add("left" if mid_x < 0 else "right")
    return len(sides) / 4
