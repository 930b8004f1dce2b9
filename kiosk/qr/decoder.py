"""QrDecoder: reads every QR code in a camera frame, trying its stages in order within a time budget.

A frame where nothing looks like a code gets `idle_budget_ms`; once a decoder has located a symbol
it could not read, the frame gets `budget_ms`, and later stages look only at the region around it.
A stage whose decoder only reads located symbols (`curved`) waits for one.
The budget is planned with each stage's learned cost (see StageCosts) rather than the clock, so a
run the scheduler interrupted does not change which stages a frame gets. A stage whose cost would
overrun what is left is skipped; the first stage always runs.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from kiosk.qr.code import MIN_SYMBOL_PX, Corners, DecodedCode, bounding_box, center, size
from kiosk.qr.config import QrConfig
from kiosk.qr.costs import StageCosts
from kiosk.qr.stages import Region, parse_stage

_REGION_MARGIN = 0.6  # a located symbol's region grows by this share of its size on each side: zxing often
# locates only part of a hard code (three finder patterns of a tilted or curved one), and a tight crop cuts the rest
_REGION_MIN_MARGIN_PX = 16
FRAME_PIXELS = 640 * 480  # the camera frame that the budgets are set for


@dataclass(frozen=True)
class Attempt:
    """One stage run on one frame: what it cost and found."""

    stage: str
    ms: float
    decoded: int
    located: int
    region: Region | None


@dataclass(frozen=True)
class DecodeTrace:
    """A decode's result with its cost: `ms` is the whole call, grayscale conversion included."""

    codes: list[DecodedCode]
    attempts: list[Attempt]
    ms: float


class QrDecoder:
    """Decodes QR codes in BGR or grayscale uint8 images. `timer` returns seconds (injectable for tests)."""

    def __init__(self, config: QrConfig | None = None, timer: Callable[[], float] = time.perf_counter) -> None:
        from kiosk.qr.preprocess import to_gray  # OpenCV loads with the first decoder, not with the config

        self._config = config or QrConfig()
        self._to_gray = to_gray
        self._stages = [parse_stage(name) for name in self._config.stages]
        self._timer = timer
        self._costs = StageCosts()
        blank = np.full((64, 64), 255, np.uint8)
        for stage in self._stages:
            stage.run(blank)  # load and initialise each library now, not in the first frame's budget

    def decode(self, image: np.ndarray) -> list[DecodedCode]:
        """Every QR code found in `image`, with corners in its pixel coordinates; [] when there is none."""
        return self.trace(image).codes

    def trace(self, image: np.ndarray, budget_scale: float = 1.0) -> DecodeTrace:
        """Like `decode`, plus which stages ran, on which region, and what each cost.

        `budget_scale` multiplies both budgets, for images larger than the camera frames they are set for.
        """
        started = self._timer()
        gray = self._to_gray(image)
        codes: list[DecodedCode] = []
        pending: list[Corners] = []
        attempts: list[Attempt] = []
        planned_ms = 0.0
        for index, stage in enumerate(self._stages):
            if index > 0 and stage.is_located_only and not pending:
                continue
            region = _region_around(pending, gray.shape) if pending else None
            budget_ms = (self._config.budget_ms if pending else self._config.idle_budget_ms) * budget_scale
            megapixels = _megapixels(gray, region)
            over = planned_ms + self._costs.expected_ms(stage.name, megapixels) > budget_ms
            if index > 0 and over and self._costs.skip(stage.name):
                continue
            before = self._timer()
            reading = stage.run(gray, region)
            ms = (self._timer() - before) * 1000
            self._costs.record(stage.name, megapixels, ms)
            planned_ms += self._costs.expected_ms(stage.name, megapixels)
            attempts.append(Attempt(stage.name, ms, len(reading.codes), len(reading.located), region))
            codes.extend(code for code in reading.codes if not any(_same_code(code, seen) for seen in codes))
            located = [corners for corners in reading.located if size(corners) >= MIN_SYMBOL_PX]
            pending = [c for c in [*pending, *located] if not any(_overlap(code, c) for code in codes)]
            if codes and not pending:
                break
        return DecodeTrace(codes, attempts, (self._timer() - started) * 1000)


class StillImageDecoder:
    """Decodes still images (files, not a camera stream): no next frame will come, so each image gets the
    full `budget_ms` whether or not a code was located, scaled up for images larger than a 640×480 frame."""

    def __init__(self, config: QrConfig | None = None) -> None:
        config = config or QrConfig()
        self._decoder = QrDecoder(replace(config, idle_budget_ms=config.budget_ms))

    def trace(self, image: np.ndarray) -> DecodeTrace:
        return self._decoder.trace(image, budget_scale=max(1.0, image.shape[0] * image.shape[1] / FRAME_PIXELS))


def _megapixels(gray: np.ndarray, region: Region | None) -> float:
    if region is None:
        return gray.shape[0] * gray.shape[1] / 1e6
    left, top, right, bottom = region
    return (right - left) * (bottom - top) / 1e6


def _region_around(located: list[Corners], shape: tuple[int, ...]) -> Region:
    """The box around every located symbol, with a margin, inside an image of `shape`."""
    boxes = [bounding_box(corners) for corners in located]
    left, top = min(b[0] for b in boxes), min(b[1] for b in boxes)
    right, bottom = max(b[2] for b in boxes), max(b[3] for b in boxes)
    margin = max(_REGION_MIN_MARGIN_PX, _REGION_MARGIN * max(right - left, bottom - top))
    height, width = shape[:2]
    return (
        max(0, int(left - margin)),
        max(0, int(top - margin)),
        min(width, int(right + margin) + 1),
        min(height, int(bottom + margin) + 1),
    )


def _inside(point: tuple[float, float], corners: Corners) -> bool:
    left, top, right, bottom = bounding_box(corners)
    return left <= point[0] <= right and top <= point[1] <= bottom


def _overlap(code: DecodedCode, located: Corners) -> bool:
    """A located symbol is the decoded code, or a piece of it that a decoder tried on its own."""
    return _inside(code.center, located) or _inside(center(located), code.corners)


def _same_code(code: DecodedCode, seen: DecodedCode) -> bool:
    """Two stages read the same symbol: same content at the same place."""
    return (code.text, code.format) == (seen.text, seen.format) and _inside(code.center, seen.corners)
