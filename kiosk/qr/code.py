"""What a decoder returns for each symbol it reads, and the corner geometry the decoders share."""

from __future__ import annotations

from dataclasses import dataclass

Corners = tuple[tuple[float, float], ...]
MIN_SYMBOL_PX = 24  # a located "symbol" smaller than this is a speck, not a code (21 modules at about 1 px each)


@dataclass(frozen=True)
class DecodedCode:
    """One decoded symbol.

    `format` is the symbology ("QRCode"). `corners` are the symbol's four corners in pixels of the
    image given to the decoder, clockwise, starting at the symbol's own top-left corner (pyzbar
    reports orientation only in 90° steps, so its start corner is the nearest match).
    """

    text: str
    format: str
    corners: Corners

    @property
    def center(self) -> tuple[float, float]:
        return center(self.corners)


def size(corners: Corners) -> float:
    """The longer side of a polygon's bounding box, in pixels."""
    left, top, right, bottom = bounding_box(corners)
    return max(right - left, bottom - top)


def center(corners: Corners) -> tuple[float, float]:
    """The mean of a polygon's corners."""
    return sum(x for x, _ in corners) / len(corners), sum(y for _, y in corners) / len(corners)


def bounding_box(corners: Corners) -> tuple[float, float, float, float]:
    """(left, top, right, bottom) of a polygon."""
    xs = [x for x, _ in corners]
    ys = [y for _, y in corners]
    return min(xs), min(ys), max(xs), max(ys)


def map_corners(corners: Corners, scale: float, offset: tuple[int, int]) -> Corners:
    """Map corners found in a scaled crop back to the full image: divide by `scale`, then add the crop's (x, y)."""
    dx, dy = offset
    return tuple((x / scale + dx, y / scale + dy) for x, y in corners)
