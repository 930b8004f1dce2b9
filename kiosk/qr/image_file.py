"""Reading image files for the decode and bench commands."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from kiosk.errors import KioskError


class UnreadableImage(KioskError, OSError):
    """An image file is missing, unreadable or not in a format OpenCV decodes."""


def read_image(path: Path) -> np.ndarray:
    """The file's pixels as BGR uint8; UnreadableImage saying why not."""
    try:
        data = np.fromfile(path, dtype=np.uint8)
    except OSError as err:
        raise UnreadableImage(f"{path}: cannot read the file: {err.strerror or err}") from err
    image = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
    if image is None:
        raise UnreadableImage(
            f"{path}: not an image OpenCV can decode (expected PNG, JPEG, WebP, BMP or TIFF, {data.size} bytes)"
        )
    return image
