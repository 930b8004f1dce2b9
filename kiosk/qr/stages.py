"""Decoding stages: a decoder, optionally after preprocessing steps, run on the whole frame or a region.

A stage is named 'DECODER' or 'DECODER+STEP+STEP...', for example 'zbar+upscale'. Names map to
'module:function' strings so that checking a config needs neither OpenCV nor the decoder libraries.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from kiosk.errors import KioskError
from kiosk.qr.reading import Reading

READERS = {
    "zxing": "kiosk.qr.zxing_reader:read_zxing",
    "zbar": "kiosk.qr.zbar_reader:read_zbar",
    "curved": "kiosk.qr.curved_reader:read_curved",
}
STEPS = {
    name: f"kiosk.qr.preprocess:{name}" for name in (
        "otsu", "sharpen", "clahe", "adaptive", "local", "upscale", "enlarge", "invert"
    )
}

# decoders that only work on symbols another stage located: in a cascade they run once something is located
LOCATED_ONLY = frozenset({"curved"})

Region = tuple[int, int, int, int]  # left, top, right, bottom in pixels (right and bottom exclusive)


@dataclass(frozen=True)
class Stage:
    name: str
    read: Callable[[np.ndarray], Reading]
    steps: tuple[Callable[[np.ndarray], np.ndarray], ...]
    is_located_only: bool = False

    def run(self, gray: np.ndarray, region: Region | None = None) -> Reading:
        """Decode `gray` (or the `region` of it); corners come back in the coordinates of `gray`."""
        left, top, right, bottom = region or (0, 0, gray.shape[1], gray.shape[0])
        image = gray[top:bottom, left:right]
        for step in self.steps:
            image = step(image)
        scale = image.shape[1] / (right - left)
        return self.read(np.ascontiguousarray(image)).mapped(scale, (left, top))


def stage_problem(name: str) -> str | None:
    """Why `name` is not a valid stage name, or None when it is."""
    reader, *steps = name.split("+")
    if reader not in READERS:
        return f"unknown decoder {reader!r} (expected one of {', '.join(map(repr, READERS))})"
    for step in steps:
        if step not in STEPS:
            return f"unknown step {step!r} (expected one of {', '.join(map(repr, STEPS))})"
    return None


def parse_stage(name: str) -> Stage:
    """The stage called `name`, with its decoder library loaded; ValueError naming the problem if invalid."""
    problem = stage_problem(name)
    if problem is not None:
        raise ValueError(f"stage {name!r}: {problem}")
    reader, *steps = name.split("+")
    return Stage(
        name, _load(name, READERS[reader]), tuple(_load(name, STEPS[step]) for step in steps), reader in LOCATED_ONLY
    )


def _load(stage: str, target: str) -> Callable:
    module, _, function = target.partition(":")
    try:
        return getattr(importlib.import_module(module), function)
    except ImportError as err:
        raise KioskError(
            f"stage {stage!r}: cannot load {module}: {err} "
            "(expected the project installed by ./dev.sh setup; pyzbar also needs the Debian package libzbar0)"
        ) from err
