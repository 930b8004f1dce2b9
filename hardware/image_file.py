"""Reading image files within a pixel budget: the size comes from the header, before anything is decoded.

A PNG of a few hundred bytes can claim 100000×100000 pixels, and a real 20000×20000 PNG of 438 KB
took 33 s and 5 GB to decode. So `decode_image` reads the width and height from the file's header
(PNG, JPEG, BMP, WebP, GIF, TIFF), refuses a file whose pixel count is above `max_pixels` or whose
format it cannot size, and decodes the rest reduced to at most `decode_max_pixels`: a JPEG through
libjpeg's scaled decoding (1/2, 1/4, 1/8, so memory follows the reduced size), other formats at
full size (at most `max_pixels`, 150 MB in BGR at the default) and then shrunk.

The kiosk reads every image through here; `hardware` cannot import `kiosk`, so the errors are
plain `ImageRefused` (a ValueError) that each caller turns into its own.
"""

from __future__ import annotations

import struct
from pathlib import Path

import cv2
import numpy as np

MAX_PIXELS = 50_000_000
"""The largest image read at all: above a 48 MP phone photo, far below the 1 Gpixel OpenCV allows."""
DECODE_MAX_PIXELS = 16_000_000
"""Larger images are decoded reduced to at most this many pixels (a 48 MP photo becomes 12 MP)."""
MAX_FILE_BYTES = 256 * 1024 * 1024
FORMATS = "PNG, JPEG, BMP, WebP, GIF or TIFF"

_REDUCED_COLOR = {1: cv2.IMREAD_COLOR, 2: cv2.IMREAD_REDUCED_COLOR_2, 4: cv2.IMREAD_REDUCED_COLOR_4, 8: cv2.IMREAD_REDUCED_COLOR_8}
_REDUCED_GRAY = {
    1: cv2.IMREAD_GRAYSCALE,
    2: cv2.IMREAD_REDUCED_GRAYSCALE_2,
    4: cv2.IMREAD_REDUCED_GRAYSCALE_4,
    8: cv2.IMREAD_REDUCED_GRAYSCALE_8,
}
# JPEG start-of-frame markers: C0-CF except DHT (C4), JPG (C8) and DAC (CC).
_JPEG_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


class ImageRefused(ValueError):
    """An image file is unreadable, of a format that cannot be sized from its header, or too large."""


def read_image(path: str | Path, *, grayscale: bool = False, max_pixels: int = MAX_PIXELS,
               decode_max_pixels: int = DECODE_MAX_PIXELS) -> np.ndarray:
    """The file's pixels (BGR, or gray), decoded reduced when large; ImageRefused naming the file and why not."""
    path = Path(path)
    try:
        size_bytes = path.stat().st_size
        if size_bytes > MAX_FILE_BYTES:
            raise ImageRefused(f"image '{path}': {size_bytes} bytes (expected an image file of at most {MAX_FILE_BYTES} bytes)")
        data = path.read_bytes()
    except OSError as err:
        raise ImageRefused(f"image '{path}': cannot be read: {err.strerror or err}") from err
    return decode_image(data, str(path), grayscale=grayscale, max_pixels=max_pixels, decode_max_pixels=decode_max_pixels)


def decode_image(data: bytes, name: str, *, grayscale: bool = False, max_pixels: int = MAX_PIXELS,
                 decode_max_pixels: int = DECODE_MAX_PIXELS) -> np.ndarray:
    """Decode `data` (the image called `name` in errors) as `read_image` does."""
    size = image_size(data)
    if size is None:
        raise ImageRefused(f"image '{name}': not an image whose size can be read (expected a {FORMATS} file; {len(data)} bytes)")
    width, height = size
    if width * height > max_pixels:
        raise ImageRefused(
            f"image '{name}': its header claims {width}×{height} pixels ({width * height / 1e6:.1f} MP), above the limit of"
            f" {max_pixels / 1e6:g} MP: save a smaller copy of the photo"
        )
    factor = 1
    while width * height > decode_max_pixels * factor * factor and factor < 8:
        factor *= 2
    is_jpeg = data[:2] == b"\xff\xd8"
    flags = (_REDUCED_GRAY if grayscale else _REDUCED_COLOR)[factor if is_jpeg else 1]
    try:
        image = cv2.imdecode(np.frombuffer(data, np.uint8), flags)
    except cv2.error as err:
        raise ImageRefused(f"image '{name}': cannot be decoded ({str(err).strip().splitlines()[-1]})") from err
    if image is None or image.size == 0:
        raise ImageRefused(f"image '{name}': a {width}×{height} image that cannot be decoded (expected a readable {FORMATS} file)")
    pixels = image.shape[0] * image.shape[1]
    if pixels > decode_max_pixels:
        scale = (decode_max_pixels / pixels) ** 0.5
        shape = (max(1, int(image.shape[1] * scale)), max(1, int(image.shape[0] * scale)))
        image = cv2.resize(image, shape, interpolation=cv2.INTER_AREA)
    return image


def image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from the header of a PNG, JPEG, BMP, WebP, GIF or TIFF image; None when it cannot be read."""
    try:
        if data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR":
            return struct.unpack(">II", data[16:24])
        if data[:2] == b"\xff\xd8":
            return _jpeg_size(data)
        if data[:2] == b"BM":
            width, height = struct.unpack("<ii", data[18:26])
            return abs(width), abs(height)  # a negative height means rows stored top-down
        if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
            return _webp_size(data)
        if data[:6] in (b"GIF87a", b"GIF89a"):
            return struct.unpack("<HH", data[6:10])
        if data[:4] in (b"II*\0", b"MM\0*"):
            return _tiff_size(data)
    except struct.error:
        return None
    return None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    offset = 2
    while offset + 4 <= len(data):
        if data[offset] != 0xFF:
            return None
        marker = data[offset + 1]
        if marker == 0xFF:  # fill byte
            offset += 1
            continue
        if marker in (0x01, 0xD8) or 0xD0 <= marker <= 0xD7:  # markers without a length
            offset += 2
            continue
        (length,) = struct.unpack(">H", data[offset + 2 : offset + 4])
        if marker in _JPEG_SOF:
            height, width = struct.unpack(">HH", data[offset + 5 : offset + 9])
            return width, height
        if marker == 0xDA or length < 2:  # image data before any frame header
            return None
        offset += 2 + length
    return None


def _webp_size(data: bytes) -> tuple[int, int] | None:
    chunk = data[12:16]
    if chunk == b"VP8 ":
        width, height = struct.unpack("<HH", data[26:30])
        return width & 0x3FFF, height & 0x3FFF
    if chunk == b"VP8L":
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8X":
        return int.from_bytes(data[24:27], "little") + 1, int.from_bytes(data[27:30], "little") + 1
    return None


def _tiff_size(data: bytes) -> tuple[int, int] | None:
    order = "<" if data[:2] == b"II" else ">"
    (ifd,) = struct.unpack(order + "I", data[4:8])
    (count,) = struct.unpack(order + "H", data[ifd : ifd + 2])
    found: dict[int, int] = {}
    for entry in range(count):
        at = ifd + 2 + 12 * entry
        tag, kind = struct.unpack(order + "HH", data[at : at + 4])
        if tag in (256, 257):  # ImageWidth, ImageLength: SHORT or LONG
            found[tag] = struct.unpack(order + ("H" if kind == 3 else "I"), data[at + 8 : at + (10 if kind == 3 else 12)])[0]
    if 256 not in found or 257 not in found:
        return None
    return found[256], found[257]
