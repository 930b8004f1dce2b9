"""Camera frames for the demo: a person in front of the camera, holding up the phone or paper with their code.

A visitor is their portrait photo filling the frame, as the gate's camera would see them standing
there, then passed through a camera (defocus, sensor noise, JPEG). The face is framed so that the
liveness models' views (2.7× and 4.0× the face box) fall on the photo itself and the code is held
clear of them: a photo pasted into a scene, its edges inside those views, is exactly what a photo
held up to the camera looks like, and MiniFASNet refuses it (docs/liveness.md, "The demo").
"""

from __future__ import annotations

import cv2
import numpy as np
import segno

from kiosk.vision.spoof_synthesis import Placement, camera, place, print_object

FRAME_SIZE = (480, 640)  # height, width
BACKGROUND_BGR = (92, 96, 88)
FACE_HEIGHT_PX = 190
"""A visitor's face box height in the frame: a person standing close to the kiosk (about 40 % of the frame)."""
FACE_CENTRE = (200, 200)
"""Where a visitor's face is placed (x, y), as far as their photo reaches."""
CODE_BOX = (430, 240, 205, 205)
"""Where the code is held (x, y, width, height): at chest height, clear of the face's liveness views."""
PRINT_PLACEMENT = Placement(height_share=0.75, centre=(0.33, 0.5), turn_deg=5.0, tilt=(0.03, -0.02))
"""A print held up in front of the camera, about where a visitor's face would be."""
CAMERA_SEED = 19


def empty_scene() -> np.ndarray:
    """The entrance with nobody in front of the camera."""
    frame = np.full((*FRAME_SIZE, 3), BACKGROUND_BGR, np.uint8)
    cv2.rectangle(frame, (0, 360), (640, 480), (70, 72, 66), -1)  # floor
    return frame


def qr_image(text: str, module_px: int = 3) -> np.ndarray:
    """A black-on-white QR code with its quiet zone, as BGR."""
    matrix = np.array(segno.make_qr(text, error="m").matrix, dtype=np.uint8)
    matrix = np.pad(matrix, 4)
    gray = np.where(matrix == 1, 0, 255).astype(np.uint8)
    gray = cv2.resize(gray, None, fx=module_px, fy=module_px, interpolation=cv2.INTER_NEAREST)
    return cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR)


def person_scene(photo: np.ndarray, face_box: tuple[float, float, float, float], face_height_px: int = FACE_HEIGHT_PX) -> np.ndarray:
    """The person in `photo` (face at `face_box`) standing in front of the camera.

    The photo is scaled to make the face `face_height_px` high and placed with the face near FACE_CENTRE,
    but never so that it leaves a gap it could cover. Where it ends (right, bottom), its edge pixels are
    continued and blurred, like an out-of-focus background, so no straight edge appears.
    """
    x, y, width, height = face_box
    scale = face_height_px / height
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
    scaled = cv2.resize(photo, None, fx=scale, fy=scale, interpolation=interpolation)
    frame_h, frame_w = FRAME_SIZE
    left = min(0, max(frame_w - scaled.shape[1], round(FACE_CENTRE[0] - (x + width / 2) * scale)))
    top = min(0, max(frame_h - scaled.shape[0], round(FACE_CENTRE[1] - (y + height / 2) * scale)))
    shown = scaled[-top : -top + frame_h, -left : -left + frame_w]
    shown_h, shown_w = shown.shape[:2]
    if (shown_h, shown_w) == FRAME_SIZE:
        return np.ascontiguousarray(shown)
    extended = cv2.copyMakeBorder(shown, 0, frame_h - shown_h, 0, frame_w - shown_w, cv2.BORDER_REPLICATE)
    inside = np.zeros(FRAME_SIZE, np.float32)
    inside[:shown_h, :shown_w] = 1
    inside = cv2.GaussianBlur(inside, (0, 0), 8)[:, :, None]
    background = cv2.GaussianBlur(extended, (0, 0), 25)
    return (extended * inside + background * (1 - inside)).astype(np.uint8)


def head_and_shoulders(image: np.ndarray, box: tuple[float, float, float, float]) -> np.ndarray:
    """The head and shoulders around a detected face box, as a portrait photo crops them."""
    x, y, w, h = box
    cx, cy, side = x + w / 2, y + h / 2, max(w, h) * 2.0
    top, left = max(0, round(cy - side / 2)), max(0, round(cx - side / 2))
    return image[top : round(cy + side / 2), left : round(cx + side / 2)]


def held_up_print(photo: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Someone at the entrance holding a print of `photo` up to the camera (the print of kiosk.vision.spoof_synthesis)."""
    sheet, outline = print_object(photo, rng)
    return place(sheet, outline, PRINT_PLACEMENT, empty_scene().astype(np.float32))


def person_with_code(person: np.ndarray | None, code_text: str | None, seed: int = CAMERA_SEED) -> np.ndarray:
    """The camera's frame of `person` (a scene from `person_scene` or `held_up_print`; None: nobody) holding up the code (if any)."""
    frame = empty_scene() if person is None else person.copy()
    if code_text is not None:
        _paste_fit(frame, qr_image(code_text), *CODE_BOX)
    return camera(frame, np.random.default_rng(seed))


def _paste_fit(frame: np.ndarray, image: np.ndarray, x: int, y: int, width: int, height: int) -> None:
    scale = min(width / image.shape[1], height / image.shape[0])
    resized = cv2.resize(image, (round(image.shape[1] * scale), round(image.shape[0] * scale)), interpolation=cv2.INTER_AREA)
    h, w = resized.shape[:2]
    frame[y : y + h, x : x + w] = resized
