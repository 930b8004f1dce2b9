"""QR decoding for camera frames.

`QrDecoder` reads every code in a frame; `PresentationTracker` turns a stream of decodes into presentations.
"""

from kiosk.qr.code import DecodedCode
from kiosk.qr.config import QrConfig
from kiosk.qr.decoder import Attempt, DecodeTrace, QrDecoder
from kiosk.qr.presentation import PresentationTracker

__all__ = ["Attempt", "DecodeTrace", "DecodedCode", "PresentationTracker", "QrConfig", "QrDecoder"]
