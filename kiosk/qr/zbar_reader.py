"""QR decoding with zbar (pyzbar): an independent second reader, robust to moiré and uneven brightness."""

from __future__ import annotations

import math

import numpy as np
from pyzbar import pyzbar

from kiosk.qr.code import Corners, DecodedCode
from kiosk.qr.reading import QR_FORMAT, Reading

# zbar lists the polygon in image order and reports the symbol's rotation in 90° steps; the index
# is where the symbol's top-left corner sits in the clockwise list that starts at the image's top-left.
_START_BY_ORIENTATION = {"UP": 0, "RIGHT": 1, "DOWN": 2, "LEFT": 3}


def read_zbar(gray: np.ndarray) -> Reading:
    """Read every QR code in a grayscale image (zbar never reports symbols it could not decode)."""
    codes = tuple(
        DecodedCode(
            symbol.data.decode("utf-8", errors="replace"),
            QR_FORMAT,
            _corners(symbol.polygon, getattr(symbol, "orientation", None)),
        )
        for symbol in pyzbar.decode(gray, symbols=[pyzbar.ZBarSymbol.QRCODE])
    )
    return Reading(codes)


def _corners(polygon: list, orientation: str | None) -> Corners:
    points = [(float(point.x), float(point.y)) for point in polygon]
    cx = sum(x for x, _ in points) / len(points)
    cy = sum(y for _, y in points) / len(points)
    clockwise = sorted(points, key=lambda p: math.atan2(p[1] - cy, p[0] - cx))
    first = min(range(len(clockwise)), key=lambda i: clockwise[i][0] + clockwise[i][1])
    start = (first + _START_BY_ORIENTATION.get(orientation or "UP", 0)) % len(clockwise)
    return tuple(clockwise[start:] + clockwise[:start])
