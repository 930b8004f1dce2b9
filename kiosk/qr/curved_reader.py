"""QR decoding of codes on curved surfaces (a bottle, a bent card): zxing-cpp on the located symbol,
flattened as if it were wrapped around a cylinder.

zxing-cpp locates such a symbol by its finder patterns but samples it on a flat perspective grid,
which misses the modules towards the bent edges. This reader cuts out each located symbol,
straightens its perspective to a square, and undoes a cylinder of a few sizes about either axis
until zxing reads it. Which sizes and why: docs/qr-validation.md.
"""

from __future__ import annotations

import cv2
import numpy as np
import zxingcpp

from kiosk.qr.code import MIN_SYMBOL_PX, Corners, DecodedCode, size
from kiosk.qr.reading import QR_FORMAT, Reading
from kiosk.qr.zxing_reader import zxing_corners

HALF_ARCS_DEG = (70.0, 45.0)  # half the arc the code may wrap; on the tune split these two read as many as three
MAX_FLATTENED = 2  # located symbols flattened per call, largest first: each costs up to four zxing passes
_GROW = 1.2  # the cut-out grows by this factor around the located corners, to keep the symbol's edges
_MAX_SIDE_PX = 600


def read_curved(gray: np.ndarray) -> Reading:
    """Read every QR code in a grayscale image, flattening the located symbols that zxing could not read.

    A code read this way reports the corners that zxing located, which on a curved code are only
    close to the symbol's own; codes zxing reads flat come back with zxing's corners.
    """
    codes, unread = [], []
    for barcode in zxingcpp.read_barcodes(gray, formats=zxingcpp.BarcodeFormat.QRCode, return_errors=True):
        corners = zxing_corners(barcode)
        if barcode.valid:
            codes.append(DecodedCode(barcode.text, QR_FORMAT, corners))
        elif size(corners) >= MIN_SYMBOL_PX:
            unread.append(corners)
    unread.sort(key=size, reverse=True)
    located = []
    for index, corners in enumerate(unread):
        text = _flattened_text(gray, corners) if index < MAX_FLATTENED else None
        if text is None:
            located.append(corners)
        else:
            codes.append(DecodedCode(text, QR_FORMAT, corners))
    return Reading(tuple(codes), tuple(located))


def _flattened_text(gray: np.ndarray, corners: Corners) -> str | None:
    square = _straightened(gray, corners)
    for half_arc in HALF_ARCS_DEG:
        for axis in (0, 1):
            found = zxingcpp.read_barcodes(_unwrapped(square, half_arc, axis), formats=zxingcpp.BarcodeFormat.QRCode)
            if found:
                return found[0].text
    return None


def _straightened(gray: np.ndarray, corners: Corners) -> np.ndarray:
    """The located quadrilateral, grown by _GROW, warped to a square at about 1.5 times its size."""
    quad = np.float32(corners)
    center = quad.mean(axis=0)
    quad = center + (quad - center) * _GROW
    longest = max(float(np.linalg.norm(quad[i] - quad[(i + 1) % 4])) for i in range(4))
    side = int(min(_MAX_SIDE_PX, 1.5 * longest))
    target = np.float32([[0, 0], [side, 0], [side, side], [0, side]])
    warp = cv2.getPerspectiveTransform(quad.astype(np.float32), target)
    return cv2.warpPerspective(gray, warp, (side, side), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def _unwrapped(square: np.ndarray, half_arc_deg: float, axis: int) -> np.ndarray:
    """`square` as it would look flat if it showed a cylinder's surface over ±`half_arc_deg`, the
    cylinder's axis vertical (`axis` 0, the image bunched towards its left and right edges) or horizontal (1)."""
    side = square.shape[0]
    half_arc = np.radians(half_arc_deg)
    surface = (np.arange(side, dtype=np.float32) - side / 2) / (side / 2)  # -1..1 along the flattened code
    seen = (np.sin(surface * half_arc) / np.sin(half_arc) * (side / 2) + side / 2).astype(np.float32)
    across = np.arange(side, dtype=np.float32)
    if axis == 0:
        map_x, map_y = np.tile(seen, (side, 1)), np.tile(across[:, None], (1, side))
    else:
        map_x, map_y = np.tile(across, (side, 1)), np.tile(seen[:, None], (1, side))
    return cv2.remap(square, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
