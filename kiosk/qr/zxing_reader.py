"""QR decoding with zxing-cpp: fast, reads rotated, inverted and perspective-distorted codes."""

from __future__ import annotations

import numpy as np
import zxingcpp

from kiosk.qr.code import Corners, DecodedCode
from kiosk.qr.reading import QR_FORMAT, Reading


def read_zxing(gray: np.ndarray) -> Reading:
    """Read every QR code in a grayscale image; symbols located but not decodable come back in `located`."""
    codes = []
    located = []
    for barcode in zxingcpp.read_barcodes(gray, formats=zxingcpp.BarcodeFormat.QRCode, return_errors=True):
        corners = zxing_corners(barcode)
        if barcode.valid:
            codes.append(DecodedCode(barcode.text, QR_FORMAT, corners))
        else:
            located.append(corners)
    return Reading(tuple(codes), tuple(located))


def zxing_corners(barcode: zxingcpp.Barcode) -> Corners:
    """The symbol's corners as zxing located them: top-left, top-right, bottom-right, bottom-left."""
    position = barcode.position
    return tuple(
        (float(point.x), float(point.y))
        for point in (position.top_left, position.top_right, position.bottom_right, position.bottom_left)
    )
