"""Frames with one kind of photo fault at a chosen strength, for finding which kinds the decoders fail on.

Each kind in KINDS is drawn at LEVELS 1 (mild) to 3 (hard); the numbers per level are in the
`_LEVELS` table. Unlike `synthetic.code_frame`, whose conditions are fixed ranges of gate conditions,
these isolate one fault each, so a decode rate per kind and level says what a stage or an option buys.
A code is a dark-on-light symbol with 3–6 px modules on a cluttered background unless the kind changes that.
"""

from __future__ import annotations

import cv2
import numpy as np

from kiosk.qr.code import Corners
from kiosk.qr.synthetic import HEIGHT, WIDTH, Scene, background, credential_text, place, symbol

KINDS = (
    "motion-blur", "defocus", "tilt", "curvature", "low-contrast", "glare", "inverted", "small-modules",
    "rotation", "noise", "jpeg", "moire", "occlusion", "multiple", "uneven-light",
)  # fmt: skip
LEVELS = (1, 2, 3)
_LEVELS = {
    "motion-blur": (5.0, 9.0, 13.0),  # streak length, px
    "defocus": (1.5, 2.5, 3.5),  # disc radius, px
    "tilt": (40.0, 55.0, 68.0),  # angle between the code's plane and the image plane, degrees
    "curvature": (30.0, 50.0, 70.0),  # half the arc the code wraps around a cylinder, degrees
    "low-contrast": (40.0, 22.0, 12.0),  # gray levels between dark and light modules
    "glare": (0.15, 0.25, 0.35),  # radius of a saturated reflection, share of the code's side
    "inverted": (0.9, 0.7, 0.5),  # light-on-dark, contrast kept
    "small-modules": (2.0, 1.5, 1.2),  # pixels per module
    "rotation": (15.0, 30.0, 45.0),  # turn off the nearest quarter turn, degrees
    "noise": (12.0, 24.0, 40.0),  # sensor noise sigma, gray levels
    "jpeg": (30.0, 15.0, 7.0),  # JPEG quality
    "moire": (0.25, 0.4, 0.55),  # depth of screen banding, share of brightness
    "occlusion": (0.08, 0.14, 0.2),  # width of a bar across the symbol, share of its side
    "multiple": (2.0, 3.0, 4.0),  # codes in the frame
    "uneven-light": (0.5, 0.3, 0.15),  # brightness of the darkest corner of the code, share of the brightest
}
_QUIET_MODULES = 4


def strength(kind: str, level: int) -> float:
    """The number behind `kind` at `level` (its unit is in the `_LEVELS` table)."""
    if kind not in _LEVELS:
        raise ValueError(f"kind {kind!r}: expected one of {', '.join(KINDS)}")
    if level not in LEVELS:
        raise ValueError(f"level {level}: expected one of {LEVELS}")
    return _LEVELS[kind][level - 1]


def shifted_frame(rng: np.random.Generator, kind: str, level: int) -> Scene:
    """A 640×480 BGR frame with code(s) showing `kind` at `level`."""
    value = strength(kind, level)
    count = int(value) if kind == "multiple" else 1
    texts = [credential_text(rng, int(rng.integers(20, 160))) for _ in range(count)]
    frame = background(rng)
    slot = WIDTH / count
    all_corners = []
    for index, text in enumerate(texts):
        correction = str(rng.choice(["Q", "H"] if kind in ("occlusion", "glare") else ["L", "M", "Q", "H"]))
        modules = symbol(text, 1, correction).shape[0] - 2 * _QUIET_MODULES
        module_px = value if kind == "small-modules" else rng.uniform(3.0, 6.0)
        side = min(modules * module_px, 0.8 * slot, 0.6 * HEIGHT)
        center = (slot * (index + 0.5), HEIGHT / 2 + rng.uniform(-30, 30))
        frame, corners = _draw_code(rng, frame, text, correction, kind, value, center, side)
        all_corners.append(corners)
    frame = _camera(rng, frame, kind, value)
    return Scene(cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR), tuple(texts), tuple(all_corners))


def _draw_code(
    rng: np.random.Generator,
    frame: np.ndarray,
    text: str,
    correction: str,
    kind: str,
    value: float,
    center: tuple[float, float],
    side: float,
) -> tuple[np.ndarray, Corners]:
    sharp_px = 8
    code = symbol(text, sharp_px, correction).astype(np.float32)
    quiet = _QUIET_MODULES * sharp_px
    if kind == "curvature":
        code = _wrapped(code, value)
    if kind == "occlusion":
        code = _barred(rng, code, quiet, value)
    spin = rng.uniform(-8, 8) + (rng.choice([-1, 1]) * value if kind == "rotation" else 0) + 90 * rng.integers(0, 4)
    tilt = value if kind == "tilt" else rng.uniform(0, 15)
    corners = _projected_square(center, side, tilt, rng.uniform(0, 360), spin)
    # shrink by area first: the perspective warp in `place` samples without averaging
    scale = min(1.0, 1.25 * side / (code.shape[0] - 2 * quiet))
    size = max(1, round(code.shape[0] * scale))
    drawn = cv2.resize(code, (size, size), interpolation=cv2.INTER_AREA)
    frame = place(frame, drawn, corners, quiet * size / code.shape[0])
    mask = np.zeros(frame.shape, np.float32)
    cv2.fillConvexPoly(mask, _grown(np.array(corners), 1.35).astype(np.int32), 1.0)
    frame = _surface(rng, frame, mask, np.array(corners), kind, value)
    return frame, corners


def _surface(
    rng: np.random.Generator, frame: np.ndarray, mask: np.ndarray, quad: np.ndarray, kind: str, value: float
) -> np.ndarray:
    """Faults of the paper or screen the code is on, limited to the code and its quiet zone (`mask`)."""
    side = float(np.linalg.norm(quad[1] - quad[0]))
    yy, xx = np.mgrid[0 : frame.shape[0], 0 : frame.shape[1]].astype(np.float32)
    if kind == "low-contrast":
        low = rng.uniform(60, 190 - value)
        frame = frame * (1 - mask) + (low + frame * value / 255) * mask
    if kind == "inverted":
        frame = frame * (1 - mask) + (255 - frame) * value * mask
    if kind == "glare":
        spot = quad.mean(axis=0) + rng.uniform(-0.25, 0.25, 2) * side
        radius = value * side
        blob = np.exp(-(((xx - spot[0]) ** 2 + (yy - spot[1]) ** 2) / (2 * (radius / 2) ** 2)) ** 2)
        frame = frame + 400 * blob  # flat-topped and clipped: a reflection washes the modules out entirely
    if kind == "moire":
        period, theta = rng.uniform(6, 20), rng.uniform(0, np.pi)
        ripple = 1 - value * 0.5 * (1 + np.sin(2 * np.pi / period * (xx * np.cos(theta) + yy * np.sin(theta))))
        frame = frame * (1 - mask) + frame * ripple * mask
    if kind == "uneven-light":
        corner = quad[int(rng.integers(0, 4))]
        distance = np.hypot(xx - corner[0], yy - corner[1]) / (1.5 * side)
        light = value + (1 - value) * np.clip(distance, 0, 1)
        frame = frame * (1 - mask) + frame * light * mask
    return frame


def _camera(rng: np.random.Generator, frame: np.ndarray, kind: str, value: float) -> np.ndarray:
    """Faults of the camera, over the whole frame; mild noise is always there."""
    if kind == "motion-blur":
        length = int(round(value))
        kernel = np.zeros((length, length), np.float32)
        kernel[length // 2, :] = 1
        turn = cv2.getRotationMatrix2D(((length - 1) / 2, (length - 1) / 2), rng.uniform(0, 180), 1.0)
        kernel = cv2.warpAffine(kernel, turn, (length, length))
        frame = cv2.filter2D(frame, -1, kernel / kernel.sum())
    elif kind == "defocus":
        radius = int(np.ceil(value))
        yy, xx = np.mgrid[-radius : radius + 1, -radius : radius + 1]
        disc = (np.hypot(xx, yy) <= value).astype(np.float32)
        frame = cv2.filter2D(frame, -1, disc / disc.sum())
    else:
        frame = cv2.GaussianBlur(frame, (0, 0), 0.6)  # every lens blurs a little
    sigma = value if kind == "noise" else 2.0
    frame = np.clip(frame + rng.normal(0, sigma, frame.shape), 0, 255).astype(np.uint8)
    if kind == "jpeg":
        _, data = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, int(value)])
        frame = cv2.imdecode(data, cv2.IMREAD_GRAYSCALE)
    return frame


def _projected_square(
    center: tuple[float, float], side: float, tilt_deg: float, axis_deg: float, spin_deg: float
) -> Corners:
    """The corners of a square of `side` px turned `spin_deg` in its plane, then tilted `tilt_deg` about an
    in-plane axis at `axis_deg`, seen by a pinhole camera (focal length 600 px) from 2.5 sides away."""
    half = side / 2
    square = np.array([[-half, -half, 0], [half, -half, 0], [half, half, 0], [-half, half, 0]], np.float64)
    spin, axis, tilt = np.radians([spin_deg, axis_deg, tilt_deg])
    square = square @ _rotation_z(spin).T
    square = square @ (_rotation_z(axis) @ _rotation_x(tilt) @ _rotation_z(-axis)).T
    focal = 600.0
    distance = focal  # at this distance an untilted square spans `side` pixels
    depth = distance + square[:, 2]
    projected = focal * square[:, :2] / depth[:, None]
    return tuple((float(x + center[0]), float(y + center[1])) for x, y in projected)


def _rotation_z(angle: float) -> np.ndarray:
    cos, sin = np.cos(angle), np.sin(angle)
    return np.array([[cos, -sin, 0], [sin, cos, 0], [0, 0, 1]])


def _rotation_x(angle: float) -> np.ndarray:
    cos, sin = np.cos(angle), np.sin(angle)
    return np.array([[1, 0, 0], [0, cos, -sin], [0, sin, cos]])


def _wrapped(code: np.ndarray, half_arc_deg: float) -> np.ndarray:
    """The code on a cylinder with a vertical axis, seen from the front: its columns bunch up towards
    both edges. The wrapped width is kept, so the symbol's outer corners stay where `place` puts them."""
    size = code.shape[1]
    half_arc = np.radians(half_arc_deg)
    x = (np.arange(size, dtype=np.float32) - size / 2) / (size / 2)  # -1..1 across the projected width
    angle = np.arcsin(np.clip(x * np.sin(half_arc), -1, 1))  # surface angle seen at each projected column
    source_x = (angle / half_arc) * (size / 2) + size / 2
    map_x = np.tile(source_x, (code.shape[0], 1)).astype(np.float32)
    map_y = np.tile(np.arange(code.shape[0], dtype=np.float32)[:, None], (1, size))
    return cv2.remap(code, map_x, map_y, cv2.INTER_AREA, borderMode=cv2.BORDER_CONSTANT, borderValue=255)


def _barred(rng: np.random.Generator, code: np.ndarray, quiet: int, share: float) -> np.ndarray:
    """A mid-gray bar (a finger, a strap) across the symbol, away from the finder patterns' corner."""
    inner = code.shape[0] - 2 * quiet
    width = int(share * inner)
    start = quiet + int(rng.uniform(0.35, 0.65) * inner) - width // 2
    tone = float(rng.uniform(90, 170))
    out = code.copy()
    if rng.random() < 0.5:
        out[:, start : start + width] = tone
    else:
        out[start : start + width, :] = tone
    return out


def _grown(quad: np.ndarray, factor: float) -> np.ndarray:
    center = quad.mean(axis=0)
    return center + (quad - center) * factor
