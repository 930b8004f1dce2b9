"""Every image the kiosk reads from a file or from bytes goes through here (photos, QR pictures, demo faces).

The pixel count comes from the file's header before decoding, and large images are decoded reduced:
see `hardware.image_file`, which the simulated camera uses too.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from hardware import image_file
from kiosk.errors import KioskError


class UnreadableImage(KioskError, ValueError):
    """An image is missing, unreadable, of an unknown format or too large; the message names the file."""


def read_image(path: Path, *, grayscale: bool = False) -> np.ndarray:
    """The file's pixels as BGR (or gray) uint8, reduced when large; UnreadableImage saying why not."""
    try:
        return image_file.read_image(path, grayscale=grayscale)
    except image_file.ImageRefused as err:
        raise UnreadableImage(str(err)) from err


def decode_image(data: bytes, name: str) -> np.ndarray:
    """Decode image bytes (called `name` in errors) as `read_image` does."""
    try:
        return image_file.decode_image(data, name)
    except image_file.ImageRefused as err:
        raise UnreadableImage(str(err)) from err
