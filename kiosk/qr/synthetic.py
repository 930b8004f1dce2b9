"""Synthetic 640×480 camera frames, with and without QR codes, for tests and benchmarks.

Frames with a code reproduce gate conditions, alone or combined (see CONDITIONS): phone screens (glare,
moiré, dark mode, low contrast), paper (creases, perspective), hands (a finger over an edge) and
the camera (blur, noise, JPEG). Frames without a code are text, noise, cluttered scenes, and any
photo (a face) pasted onto a background. Everything is drawn from the given random generator.
"""

from __future__ import annotations

import string
from dataclasses import dataclass

import cv2
import numpy as np

from kiosk.qr.code import Corners

WIDTH, HEIGHT = 640, 480
CONDITIONS = (
    "clean", "small", "rotated", "perspective", "low-contrast", "dark-mode", "glare", "shadow",
    "moire", "blur", "finger", "noise", "jpeg", "crease",
)  # fmt: skip
_CORRECTION = {"L": cv2.QRCodeEncoder_CORRECT_LEVEL_L, "M": cv2.QRCodeEncoder_CORRECT_LEVEL_M,
               "Q": cv2.QRCodeEncoder_CORRECT_LEVEL_Q, "H": cv2.QRCodeEncoder_CORRECT_LEVEL_H}  # fmt: skip
_QUIET_MODULES = 4


@dataclass(frozen=True)
class Scene:
    """A BGR frame and the codes drawn into it, each with its corners (clockwise from the symbol's top-left)."""

    image: np.ndarray
    texts: tuple[str, ...]
    corners: tuple[Corners, ...]


def credential_text(rng: np.random.Generator, length: int | None = None) -> str:
    """A string shaped like a DCC credential: 'HC1:' and Base45 characters."""
    alphabet = list(string.ascii_uppercase + string.digits + " $%*+-./:")
    count = int(rng.integers(40, 500)) if length is None else length
    return "HC1:" + "".join(rng.choice(alphabet, count))


def symbol(text: str, module_px: int, correction: str = "M") -> np.ndarray:
    """A dark-on-light QR symbol (0/255) with its 4-module quiet zone, `module_px` pixels per module."""
    params = cv2.QRCodeEncoder_Params()
    params.correction_level = _CORRECTION[correction]
    encoded = cv2.QRCodeEncoder.create(params).encode(text)
    rows, columns = np.nonzero(encoded < 128)  # the encoder adds a border of its own: keep the symbol only
    modules = encoded[rows.min() : rows.max() + 1, columns.min() : columns.max() + 1]
    modules = cv2.copyMakeBorder(modules, *[_QUIET_MODULES] * 4, cv2.BORDER_CONSTANT, value=255)
    return cv2.resize(modules, None, fx=module_px, fy=module_px, interpolation=cv2.INTER_NEAREST)


def place(frame: np.ndarray, code: np.ndarray, corners: Corners, quiet_px: float) -> np.ndarray:
    """Warp `code` (with a quiet zone of `quiet_px`) so that its symbol's corners land on `corners` in a gray frame."""
    size = code.shape[0]
    inner = [quiet_px, size - quiet_px]
    src = np.float32([[inner[0], inner[0]], [inner[1], inner[0]], [inner[1], inner[1]], [inner[0], inner[1]]])
    warp = cv2.getPerspectiveTransform(src, np.float32(corners))
    shape = (frame.shape[1], frame.shape[0])
    mask = cv2.warpPerspective(np.ones_like(code, np.float32), warp, shape, flags=cv2.INTER_LINEAR)
    drawn = cv2.warpPerspective(code.astype(np.float32), warp, shape, flags=cv2.INTER_AREA)
    return frame * (1 - mask) + drawn * mask


def code_frame(rng: np.random.Generator, condition: str, texts: list[str] | None = None) -> Scene:
    """A frame with one code (or one per text given, side by side) seen under `condition`.

    `condition` is one of CONDITIONS or several joined with '+', such as 'perspective+blur'.
    """
    conditions = condition.split("+")
    unknown = [name for name in conditions if name not in CONDITIONS]
    if unknown:
        raise ValueError(f"condition {condition!r}: {unknown[0]!r} is not one of {', '.join(CONDITIONS)}")
    texts = texts or [credential_text(rng)]
    frame = background(rng)
    all_corners = []
    slot_width = WIDTH / len(texts)
    for index, text in enumerate(texts):
        correction = str(rng.choice(["M", "Q", "H"] if "finger" in conditions else ["L", "M", "Q", "H"]))
        code = symbol(text, 1, correction)
        modules = code.shape[0] - 2 * _QUIET_MODULES
        side = modules * (rng.uniform(1.4, 1.9) if "small" in conditions else rng.uniform(3.0, 6.0))
        turned = bool({"rotated", "perspective"} & set(conditions))  # a turned square needs up to √2 times its side
        side = min(side, 0.8 * slot_width, (0.55 if turned else 0.8) * HEIGHT)
        center = (slot_width * (index + 0.5) + rng.uniform(-0.05, 0.05) * slot_width, HEIGHT / 2 + rng.uniform(-40, 40))
        corners = _quadrilateral(rng, conditions, center, side)
        module_px = max(1, int(np.ceil(side / modules)))
        frame = place(frame, symbol(text, module_px, correction), corners, _QUIET_MODULES * module_px)
        frame = _degrade_code(rng, conditions, frame, corners)
        all_corners.append(corners)
    frame = _degrade_frame(rng, conditions, frame)
    return Scene(cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR), tuple(texts), tuple(all_corners))


def background(rng: np.random.Generator) -> np.ndarray:
    """A cluttered gray scene as float32: a lighting gradient, soft texture, boxes, discs and lines."""
    yy, xx = np.mgrid[0:HEIGHT, 0:WIDTH].astype(np.float32)
    angle = rng.uniform(0, 2 * np.pi)
    frame = 110 + 60 * ((xx * np.cos(angle) + yy * np.sin(angle)) / WIDTH)
    texture = cv2.GaussianBlur(rng.normal(0, 40, (HEIGHT, WIDTH)).astype(np.float32), (0, 0), rng.uniform(3, 12))
    frame += texture
    for _ in range(int(rng.integers(3, 10))):
        color = float(rng.uniform(20, 235))
        x, y = int(rng.integers(0, WIDTH)), int(rng.integers(0, HEIGHT))
        shape = rng.integers(0, 3)
        if shape == 0:
            cv2.rectangle(frame, (x, y), (x + int(rng.integers(20, 200)), y + int(rng.integers(20, 200))), color, -1)
        elif shape == 1:
            cv2.circle(frame, (x, y), int(rng.integers(10, 90)), color, -1)
        else:
            end = (int(rng.integers(0, WIDTH)), int(rng.integers(0, HEIGHT)))
            cv2.line(frame, (x, y), end, color, int(rng.integers(1, 8)))
    return np.clip(frame, 0, 255)


def text_frame(rng: np.random.Generator) -> np.ndarray:
    """A page of printed text, as a document or a screen shown to the camera (BGR)."""
    paper = int(rng.integers(170, 250))
    frame = np.full((HEIGHT, WIDTH), paper, np.uint8)  # OpenCV draws text on 8-bit images only
    scale = rng.uniform(0.4, 1.0)
    step = int(32 * scale) + 4
    alphabet = list(string.ascii_letters + string.digits + "     .,:;-")
    for row, y in enumerate(range(step, HEIGHT, step)):
        line = "".join(rng.choice(alphabet, 60))
        font = cv2.FONT_HERSHEY_SIMPLEX if row % 2 else cv2.FONT_HERSHEY_DUPLEX
        ink = paper - int(rng.integers(90, 170))
        cv2.putText(frame, line, (int(rng.integers(0, 20)), y), font, scale, ink, 1 + int(scale > 0.7))
    frame = _tilted(rng, frame.astype(np.float32), max_degrees=15)
    return _to_bgr(frame + rng.normal(0, 4, frame.shape))


def noise_frame(rng: np.random.Generator) -> np.ndarray:
    """Sensor noise at some blur: the worst case for decoders that search for patterns everywhere (BGR)."""
    frame = rng.normal(128, rng.uniform(20, 80), (HEIGHT, WIDTH)).astype(np.float32)
    return _to_bgr(cv2.GaussianBlur(frame, (0, 0), rng.uniform(0.3, 2.0)))


def scene_frame(rng: np.random.Generator) -> np.ndarray:
    """A cluttered scene with checkerboard tiles, stripes and boxes but no code (BGR)."""
    frame = background(rng)
    for _ in range(int(rng.integers(1, 4))):
        cell = int(rng.integers(4, 24))
        tiles = (np.indices((8, 8)).sum(0) % 2 * 200 + 30).astype(np.float32)
        tiles = cv2.resize(tiles, (8 * cell, 8 * cell), interpolation=cv2.INTER_NEAREST)
        y, x = int(rng.integers(0, HEIGHT - tiles.shape[0])), int(rng.integers(0, WIDTH - tiles.shape[1]))
        frame[y : y + tiles.shape[0], x : x + tiles.shape[1]] = tiles
    return _to_bgr(frame + rng.normal(0, 3, frame.shape))


def photo_frame(rng: np.random.Generator, photo: np.ndarray) -> np.ndarray:
    """A BGR photo (such as a face crop) scaled and pasted at a random place on a 640×480 background."""
    frame = _to_bgr(background(rng))
    height, width = photo.shape[:2]
    scale = min(rng.uniform(0.4, 0.95) * HEIGHT / height, 0.95 * WIDTH / width)
    photo = cv2.resize(photo, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    height, width = photo.shape[:2]
    y, x = int(rng.integers(0, HEIGHT - height + 1)), int(rng.integers(0, WIDTH - width + 1))
    frame[y : y + height, x : x + width] = photo
    return frame


def _quadrilateral(
    rng: np.random.Generator, conditions: list[str], center: tuple[float, float], side: float
) -> Corners:
    half = side / 2
    points = np.array([[-half, -half], [half, -half], [half, half], [-half, half]])
    if "perspective" in conditions:
        squeeze = rng.uniform(0.6, 0.85)
        points[:2, 0] *= squeeze  # the top edge is farther away
        points[:2, 1] *= rng.uniform(0.8, 1.0)
    angle = rng.uniform(0, 2 * np.pi) if {"rotated", "perspective"} & set(conditions) else rng.uniform(-0.15, 0.15)
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    moved = points @ rotation.T + np.array(center)
    return tuple((float(x), float(y)) for x, y in moved)


def _degrade_code(rng: np.random.Generator, conditions: list[str], frame: np.ndarray, corners: Corners) -> np.ndarray:
    """Effects local to one code: the screen or paper it is on, and the hand holding it."""
    quad = np.array(corners)
    center = quad.mean(axis=0)
    side = float(np.linalg.norm(quad[1] - quad[0]))
    mask = np.zeros(frame.shape, np.float32)
    cv2.fillConvexPoly(mask, _grown(quad, 1.35).astype(np.int32), 1.0)
    if "low-contrast" in conditions:
        low, high = rng.uniform(80, 110), rng.uniform(135, 165)
        frame = frame * (1 - mask) + (low + frame * (high - low) / 255) * mask
    if "dark-mode" in conditions:
        frame = frame * (1 - mask) + (255 - frame) * 0.85 * mask
    if "glare" in conditions:
        yy, xx = np.mgrid[0 : frame.shape[0], 0 : frame.shape[1]]
        spot = center + rng.uniform(-0.3, 0.3, 2) * side
        radius = rng.uniform(0.08, 0.2) * side
        frame = frame + rng.uniform(120, 220) * np.exp(-((xx - spot[0]) ** 2 + (yy - spot[1]) ** 2) / (2 * radius**2))
    if "moire" in conditions:
        yy, xx = np.mgrid[0 : frame.shape[0], 0 : frame.shape[1]]
        frequency, theta = rng.uniform(0.25, 0.6), rng.uniform(0, np.pi)  # bands 10-25 px apart
        # banding that darkens the screen by up to 16-40 %: stronger would invert faint codes outright
        ripple = 1 - rng.uniform(0.08, 0.2) * (1 + np.sin(frequency * (xx * np.cos(theta) + yy * np.sin(theta))))
        frame = frame * (1 - mask) + frame * ripple * mask
    if "finger" in conditions:
        edge = int(rng.integers(0, 4))
        middle = (quad[edge] + quad[(edge + 1) % 4]) / 2 + rng.uniform(-0.1, 0.1, 2) * side
        axes = (int(side * rng.uniform(0.1, 0.14)), int(side * rng.uniform(0.25, 0.35)))
        angle = float(np.degrees(np.arctan2(*(quad[(edge + 1) % 4] - quad[edge])[::-1])))
        cv2.ellipse(frame, tuple(int(v) for v in middle), axes, angle + 90, 0, 360, float(rng.uniform(120, 190)), -1)
    if "crease" in conditions:
        top_left, top_right, bottom_right, bottom_left = quad
        share = rng.uniform(0.3, 0.7)
        if rng.random() < 0.5:
            start, end = top_left + (top_right - top_left) * share, bottom_left + (bottom_right - bottom_left) * share
        else:
            start, end = top_left + (bottom_left - top_left) * share, top_right + (bottom_right - top_right) * share
        yy, xx = np.mgrid[0 : frame.shape[0], 0 : frame.shape[1]]
        beyond = ((xx - start[0]) * (end - start)[1] - (yy - start[1]) * (end - start)[0]) > 0
        frame = np.where(beyond & (mask > 0), frame * rng.uniform(0.65, 0.85), frame)
        cv2.line(frame, tuple(int(v) for v in start), tuple(int(v) for v in end), float(rng.uniform(60, 120)), 2)
    return frame


def _degrade_frame(rng: np.random.Generator, conditions: list[str], frame: np.ndarray) -> np.ndarray:
    """Effects of the camera on the whole frame."""
    if "shadow" in conditions:
        xx = np.arange(frame.shape[1], dtype=np.float32)
        frame = frame * (0.3 + 0.7 * (xx / frame.shape[1]))[None, :]
    if "blur" in conditions:
        frame = cv2.GaussianBlur(frame, (0, 0), rng.uniform(1.0, 2.0))
    if "noise" in conditions:
        frame = frame + rng.normal(0, rng.uniform(10, 25), frame.shape)
    frame = np.clip(frame, 0, 255).astype(np.uint8)
    if "jpeg" in conditions:
        _, data = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(15, 40))])
        frame = cv2.imdecode(data, cv2.IMREAD_GRAYSCALE)
    return frame


def _grown(quad: np.ndarray, factor: float) -> np.ndarray:
    center = quad.mean(axis=0)
    return center + (quad - center) * factor


def _tilted(rng: np.random.Generator, frame: np.ndarray, max_degrees: float) -> np.ndarray:
    angle = rng.uniform(-max_degrees, max_degrees)
    rotation = cv2.getRotationMatrix2D((frame.shape[1] / 2, frame.shape[0] / 2), angle, 1.0)
    return cv2.warpAffine(frame, rotation, (frame.shape[1], frame.shape[0]), borderMode=cv2.BORDER_REPLICATE)


def _to_bgr(frame: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(np.clip(frame, 0, 255).astype(np.uint8), cv2.COLOR_GRAY2BGR)
