"""QR decoding with zxing-cpp: fast, reads rotated, inverted and perspective-distorted codes."""

from __future__ import annotations

import numpy as np
import zxingcpp

from kiosk.qr.code import DecodedCode
from kiosk.qr.reading import QR_FORMAT, Reading


def read_zxing(gray: np.ndarray) -> Reading:
    """Read every QR code in a grayscale image; symbols located but not decodable come back in `located`."""
    codes = []
    located = []
    for barcode in zxingcpp.read_barcodes(gray, formats=zxingcpp.BarcodeFormat.QRCode, return_errors=True):
        position = barcode.position
        corners = tuple(
            (float(point.x), float(point.y))
            for point in (position.top_left, position.top_right, position.bottom_right, position.bottom_left)
        )
        if barcode.valid:
            codes.append(DecodedCode(barcode.text, QR_FORMAT, corners))
        else:
            located.append(corners)
    return Reading(tuple(codes), tuple(located))
