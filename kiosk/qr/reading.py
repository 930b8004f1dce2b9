"""What one decoder pass over one image yields: the codes it read and the symbols it found but could not read."""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.qr.code import Corners, DecodedCode, map_corners

QR_FORMAT = "QRCode"


@dataclass(frozen=True)
class Reading:
    codes: tuple[DecodedCode, ...] = ()
    located: tuple[Corners, ...] = ()

    def mapped(self, scale: float, offset: tuple[int, int]) -> Reading:
        """The same reading in the coordinates of the full image (see `map_corners`)."""
        if scale == 1.0 and offset == (0, 0):
            return self
        codes = tuple(
            DecodedCode(code.text, code.format, map_corners(code.corners, scale, offset)) for code in self.codes
        )
        return Reading(codes, tuple(map_corners(corners, scale, offset) for corners in self.located))
