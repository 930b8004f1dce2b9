"""A synthetic presentation-attack set: real face photos as the camera would see a person, a phone screen and a print.

Code, not images: `kiosk eval liveness-set --faces DIR --out OUT` writes OUT/live/*.jpg (the photo
itself in a room, as if the person stood there) and OUT/spoof/phone/*.jpg, OUT/spoof/print/*.jpg
(the same photo shown on a rendered phone, or printed, held up in the same room). Every image is
made here from the photo and a seeded random generator; none of it is a real attack. It is what
the code below imagines a screen and a print to look like, so a signal that looks for the very
artefacts drawn here (the pixel grid, the bezel) is flattered by it: docs/liveness.md says so.

- live: the photo enlarged to a head of 100–170 px, blended into the room with a soft edge.
- phone: the photo drawn at 2.5–4× on a screen with an RGB sub-pixel grid (the source of moiré
  when the camera re-samples it), brightened blacks and a bluish tint, inside a black bezel, with a
  specular glare; held at 45–95 % of the frame's height, turned up to ±15° and tilted.
- print: the photo with a white border, lower contrast and saturation, a warm tint, paper grain,
  bent like a sheet held in one hand (a cylindrical curve and its shading), held the same way.
All three then go through the same camera: a little blur, sensor noise and JPEG compression.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

FRAME_W, FRAME_H = 640, 480
JPEG_QUALITY = 90


@dataclass(frozen=True)
class Placement:
    """Where a flat object lands in the frame: its height as a share of the frame's, centre, turn and tilt."""

    height_share: float
    centre: tuple[float, float]
    turn_deg: float
    tilt: tuple[float, float]


def room(rng: np.random.Generator) -> np.ndarray:
    """A plain background: a lit wall (a gradient in a random hue) with a soft-edged darker panel."""
    top, bottom = rng.uniform(90, 210, 3), rng.uniform(60, 180, 3)
    rows = np.linspace(0, 1, FRAME_H)[:, None, None]
    wall = (top * (1 - rows) + bottom * rows) * np.ones((1, FRAME_W, 1))
    x0, y0 = int(rng.uniform(0, FRAME_W * 0.7)), int(rng.uniform(0, FRAME_H * 0.5))
    panel = np.zeros((FRAME_H, FRAME_W), np.float32)
    panel[y0 : y0 + int(FRAME_H * 0.6), x0 : x0 + int(FRAME_W * 0.25)] = rng.uniform(0.1, 0.3)
    wall *= 1 - cv2.GaussianBlur(panel, (0, 0), 6)[:, :, None]
    return np.clip(wall, 0, 255).astype(np.uint8)


def camera(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The kiosk camera's own marks: slight defocus, sensor noise, JPEG."""
    blurred = cv2.GaussianBlur(image, (0, 0), rng.uniform(0.4, 0.9)).astype(np.float32)
    noisy = np.clip(blurred + rng.normal(0, 2.0, image.shape), 0, 255).astype(np.uint8)
    ok, encoded = cv2.imencode(".jpg", noisy, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    assert ok
    return cv2.imdecode(encoded, cv2.IMREAD_COLOR)


def live_view(photo: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The photo as if its subject stood in front of the camera: enlarged, blended into the room with a soft edge."""
    side = int(rng.uniform(280, 420))
    person = cv2.resize(photo, (side, side), interpolation=cv2.INTER_CUBIC).astype(np.float32)
    alpha = np.zeros((side, side), np.float32)
    cv2.ellipse(alpha, (side // 2, side // 2), (int(side * 0.42), int(side * 0.48)), 0, 0, 360, 1.0, -1)
    alpha = cv2.GaussianBlur(alpha, (0, 0), side * 0.05)[:, :, None]
    frame = room(rng).astype(np.float32)
    left = int(rng.uniform(0, FRAME_W - side))
    top = int(rng.uniform(0, FRAME_H - side)) if side < FRAME_H else 0
    side_h = min(side, FRAME_H - top)
    region = frame[top : top + side_h, left : left + side]
    frame[top : top + side_h, left : left + side] = region * (1 - alpha[:side_h]) + person[:side_h] * alpha[:side_h]
    return camera(frame.astype(np.uint8), rng)


def phone_object(photo: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """A phone showing the photo, at high resolution: (BGR image, 0..1 mask of the phone's outline)."""
    pixel = rng.uniform(2.5, 4.0)  # screen pixels per photo pixel, before the camera re-samples them
    screen_w = int(photo.shape[1] * pixel)
    screen_h = int(screen_w * rng.uniform(1.6, 2.1))
    screen = np.full((screen_h, screen_w, 3), 15, np.float32)
    shown = cv2.resize(photo, (screen_w, screen_w), interpolation=cv2.INTER_CUBIC).astype(np.float32)
    offset = int(rng.uniform(0.1, 0.5) * (screen_h - screen_w))
    screen[offset : offset + screen_w] = shown
    screen = 25 + 0.9 * screen * np.array([1.08, 1.0, 0.95])  # lifted blacks, a cool white point (BGR)
    subpixels = np.zeros((screen_h, screen_w, 3), np.float32)
    for channel in range(3):  # one column each for R, G and B, and a dark gap between rows
        stripe = np.zeros(3, np.float32)
        stripe[2 - channel] = 1.0
        subpixels[:, :, channel] = np.tile(stripe, screen_w // 3 + 1)[:screen_w]
    rows = np.where(np.arange(screen_h) % 3 == 2, 0.6, 1.0)[:, None, None]
    screen = screen * (0.45 + 1.65 * subpixels) * rows  # mean factor 1: the grid darkens nothing on average
    gx, gy = rng.uniform(0, screen_w), rng.uniform(0, screen_h)
    yy, xx = np.mgrid[0:screen_h, 0:screen_w]
    glare = np.exp(-(((xx - gx) / (0.35 * screen_w)) ** 2 + ((yy - gy) / (0.2 * screen_h)) ** 2))
    screen = screen + rng.uniform(60, 140) * glare[:, :, None]
    bezel_x, bezel_y = int(screen_w * 0.05), int(screen_h * 0.06)
    body = np.full((screen_h + 2 * bezel_y, screen_w + 2 * bezel_x, 3), rng.uniform(10, 40), np.float32)
    body[bezel_y : bezel_y + screen_h, bezel_x : bezel_x + screen_w] = screen
    mask = np.zeros(body.shape[:2], np.float32)
    radius = int(min(body.shape[:2]) * 0.08)
    cv2.rectangle(mask, (radius, 0), (body.shape[1] - radius, body.shape[0]), 1.0, -1)
    cv2.rectangle(mask, (0, radius), (body.shape[1], body.shape[0] - radius), 1.0, -1)
    right, bottom = body.shape[1] - radius, body.shape[0] - radius
    for corner in ((radius, radius), (right, radius), (radius, bottom), (right, bottom)):
        cv2.circle(mask, corner, radius, 1.0, -1)
    return np.clip(body, 0, 255), mask


def print_object(photo: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """The photo printed with a white border on paper, bent: (BGR image, 0..1 mask of the sheet)."""
    side = photo.shape[1] * 3
    printed = cv2.resize(photo, (side, side), interpolation=cv2.INTER_CUBIC).astype(np.float32)
    grey = printed.mean(axis=2, keepdims=True)
    printed = grey + rng.uniform(0.6, 0.85) * (printed - grey)  # inks: less saturated
    printed = 30 + rng.uniform(0.7, 0.85) * printed * np.array([0.92, 0.97, 1.0])  # paper white, ink black, warm
    margin = int(side * rng.uniform(0.06, 0.14))
    sheet = np.full((side + 2 * margin, side + 2 * margin, 3), rng.uniform(225, 245), np.float32)
    sheet[margin : margin + side, margin : margin + side] = printed
    grain = cv2.GaussianBlur(rng.normal(0, 6, sheet.shape[:2]).astype(np.float32), (0, 0), 1.2)
    sheet += grain[:, :, None]
    height, width = sheet.shape[:2]
    bend = rng.uniform(-0.05, 0.05)
    xs = np.linspace(-1, 1, width, dtype=np.float32)
    map_x = np.tile(np.arange(width, dtype=np.float32), (height, 1))
    map_y = np.arange(height, dtype=np.float32)[:, None] + bend * height * (1 - xs**2)[None, :]
    sheet = cv2.remap(sheet, map_x, map_y, cv2.INTER_LINEAR, borderValue=(0, 0, 0))
    mask = cv2.remap(np.ones((height, width), np.float32), map_x, map_y, cv2.INTER_LINEAR, borderValue=0)
    shading = 1 - rng.uniform(0, 0.25) * np.abs(xs) ** 2  # the curve turns the sheet's sides from the light
    return np.clip(sheet * shading[None, :, None], 0, 255), mask


def random_placement(rng: np.random.Generator) -> Placement:
    share = rng.uniform(0.45, 0.95)
    return Placement(share, (rng.uniform(0.35, 0.65), rng.uniform(0.4, 0.6)), rng.uniform(-15, 15), tuple(rng.uniform(-0.08, 0.08, 2)))


def place(obj: np.ndarray, mask: np.ndarray, where: Placement, background: np.ndarray) -> np.ndarray:
    """`obj` warped straight from its own resolution into the frame (so fine patterns alias, as on a real camera)."""
    height, width = obj.shape[:2]
    scale = where.height_share * FRAME_H / height
    corners = np.float32([[0, 0], [width, 0], [width, height], [0, height]])
    centred = (corners - [width / 2, height / 2]) * scale
    tilt_x, tilt_y = where.tilt  # one side nearer the camera than the other
    centred *= 1 + np.float32([[-tilt_x - tilt_y], [tilt_x - tilt_y], [tilt_x + tilt_y], [-tilt_x + tilt_y]])
    angle = np.deg2rad(where.turn_deg)
    rotation = np.float32([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    target = centred @ rotation.T + [where.centre[0] * FRAME_W, where.centre[1] * FRAME_H]
    homography = cv2.getPerspectiveTransform(corners, target.astype(np.float32))
    warped = cv2.warpPerspective(obj.astype(np.float32), homography, (FRAME_W, FRAME_H), flags=cv2.INTER_LINEAR)
    alpha = cv2.warpPerspective(mask, homography, (FRAME_W, FRAME_H), flags=cv2.INTER_LINEAR)[:, :, None]
    return (background * (1 - alpha) + warped * alpha).astype(np.uint8)


def phone_view(photo: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    obj, mask = phone_object(photo, rng)
    return camera(place(obj, mask, random_placement(rng), room(rng).astype(np.float32)), rng)


def print_view(photo: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    obj, mask = print_object(photo, rng)
    return camera(place(obj, mask, random_placement(rng), room(rng).astype(np.float32)), rng)


def face_photos(faces_dir: Path) -> Iterator[Path]:
    """One photo per person (the first, in name order) from an LFW-layout folder DIR/<name>/<name>_<NNNN>.jpg."""
    for person in sorted(p for p in faces_dir.iterdir() if p.is_dir()):
        photos = sorted(person.glob("*.jpg"))
        if photos:
            yield photos[0]


def write_set(faces_dir: Path, out: Path, people: int, seed: int = 19) -> dict[str, int]:
    """Write live/, spoof/phone/ and spoof/print/ under `out` from the first `people` people; returns the counts."""
    from kiosk.images import read_image

    rng = np.random.default_rng(seed)
    counts = {"live": 0, "spoof/phone": 0, "spoof/print": 0}
    for folder in counts:
        (out / folder).mkdir(parents=True, exist_ok=True)
    makers = {"live": live_view, "spoof/phone": phone_view, "spoof/print": print_view}
    for number, path in enumerate(face_photos(faces_dir)):
        if number >= people:
            break
        photo = read_image(path)
        for folder, make in makers.items():
            cv2.imwrite(str(out / folder / f"{path.stem}.jpg"), make(photo, rng), [cv2.IMWRITE_JPEG_QUALITY, 95])
            counts[folder] += 1
    return counts
