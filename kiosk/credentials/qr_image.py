"""Read the text of a QR code in an image file (pyzbar), for `kiosk credential verify --image`."""

from __future__ import annotations

from pathlib import Path


def read_qr_texts(path: Path) -> list[str]:
    """Texts of every QR code found in the image, in reading order; raise ValueError if it is not an image."""
    import cv2
    from pyzbar import pyzbar

    image = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
    if image is None:
        raise ValueError(f"image '{path}' cannot be read (expected a PNG or JPEG file)")
    symbols = pyzbar.decode(image, symbols=[pyzbar.ZBarSymbol.QRCODE])
    return [symbol.data.decode("utf-8", errors="replace") for symbol in symbols]
