"""Camera frames for the demo: a person's face beside the phone or paper showing their code."""

from __future__ import annotations

import cv2
import numpy as np
import segno

FRAME_SIZE = (480, 640)  # height, width
BACKGROUND_BGR = (92, 96, 88)


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


def person_with_code(face: np.ndarray | None, code_text: str | None) -> np.ndarray:
    """A frame with the face (if any) on the left and the code (if any) held up on the right."""
    frame = empty_scene()
    if face is not None:
        _paste_fit(frame, face, x=20, y=40, width=300, height=400)
    if code_text is not None:
        code = qr_image(code_text)
        _paste_fit(frame, code, x=360, y=120, width=260, height=260)
    return frame


def _paste_fit(frame: np.ndarray, image: np.ndarray, x: int, y: int, width: int, height: int) -> None:
    scale = min(width / image.shape[1], height / image.shape[0])
    resized = cv2.resize(image, (round(image.shape[1] * scale), round(image.shape[0] * scale)), interpolation=cv2.INTER_AREA)
    h, w = resized.shape[:2]
    frame[y : y + h, x : x + w] = resized
