"""QR decoding under shifted conditions: decode rate per kind of photo fault and strength (kiosk.qr.shifts),
for the kiosk's cascade, zxing-cpp alone with each of its options, and zbar alone; all in the same run.

The cascade's stages were chosen on frames drawn from TUNE_SEED, without the HELD_OUT_KINDS; this
benchmark judges on frames from JUDGE_SEED, every kind. Run with `./dev.sh bench qr_shift`.
"""

from __future__ import annotations

import statistics
import time
from collections import defaultdict
from collections.abc import Callable

import cv2
import numpy as np
import zxingcpp

from kiosk.qr import QrConfig
from kiosk.qr.decoder import StillImageDecoder
from kiosk.qr.shifts import KINDS, LEVELS, shifted_frame
from kiosk.qr.zbar_reader import read_zbar

TUNE_SEED = 1000  # the frames stages were chosen on (8 per kind and level)
HELD_OUT_KINDS = ("curvature", "occlusion", "multiple")  # never looked at while choosing stages
JUDGE_SEED = 5000
FRAMES_PER_LEVEL = 12
PREVIOUS_STAGES = ["zxing", "zxing+otsu", "zxing+sharpen", "zxing+upscale", "zbar"]  # the default before issue 16

Decode = Callable[[np.ndarray], set[str]]


def run() -> dict:
    frames = _frames(JUDGE_SEED)
    decoders = _decoders()
    rates = {name: _score(decode, frames) for name, decode in decoders.items()}
    return {
        "judge_seed": JUDGE_SEED,
        "tune_seed": TUNE_SEED,
        "held_out_kinds": list(HELD_OUT_KINDS),
        "frames": len(frames),
        "stages": QrConfig().stages,
        "decoders": rates,
    }


def _decoders() -> dict[str, Decode]:
    kiosk = StillImageDecoder(QrConfig())
    previous = StillImageDecoder(QrConfig(stages=PREVIOUS_STAGES))
    qr = zxingcpp.BarcodeFormat.QRCode

    def zxing(**options: object) -> Decode:
        return lambda gray: {code.text for code in zxingcpp.read_barcodes(gray, formats=qr, **options)}

    return {
        "kiosk": lambda gray: {code.text for code in kiosk.trace(gray).codes},
        "previous_default": lambda gray: {code.text for code in previous.trace(gray).codes},
        "zxing": zxing(),
        "zxing_no_try_invert": zxing(try_invert=False),
        "zxing_no_try_rotate": zxing(try_rotate=False),
        "zxing_no_try_downscale": zxing(try_downscale=False),
        "zxing_global_histogram": zxing(binarizer=zxingcpp.Binarizer.GlobalHistogram),
        "zxing_fixed_threshold": zxing(binarizer=zxingcpp.Binarizer.FixedThreshold),
        "zbar": lambda gray: {code.text for code in read_zbar(gray).codes},
    }


def _frames(seed: int) -> list[tuple[str, int, np.ndarray, tuple[str, ...]]]:
    rng = np.random.default_rng(seed)
    frames = []
    for kind in KINDS:
        for level in LEVELS:
            for _ in range(FRAMES_PER_LEVEL):
                scene = shifted_frame(rng, kind, level)
                frames.append((kind, level, cv2.cvtColor(scene.image, cv2.COLOR_BGR2GRAY), scene.texts))
    return frames


def _score(decode: Decode, frames: list[tuple[str, int, np.ndarray, tuple[str, ...]]]) -> dict:
    """Share of frames whose every code was read, per kind (levels 1/2/3 and all), overall, and the time."""
    decoded: dict[tuple[str, int], list[bool]] = defaultdict(list)
    ms = []
    for kind, level, gray, texts in frames:
        started = time.perf_counter()
        found = decode(gray)
        ms.append((time.perf_counter() - started) * 1000)
        decoded[kind, level].append(all(text in found for text in texts))
    by_kind = {
        kind: [_rate(decoded[kind, level]) for level in LEVELS]
        + [_rate([hit for level in LEVELS for hit in decoded[kind, level]])]
        for kind in KINDS
    }
    every = [hit for hits in decoded.values() for hit in hits]
    return {
        "rate": _rate(every),
        "rate_by_level": [_rate([hit for kind in KINDS for hit in decoded[kind, level]]) for level in LEVELS],
        "by_kind_levels_1_2_3_all": by_kind,
        "median_ms": round(statistics.median(ms), 2),
        "p95_ms": round(float(np.percentile(ms, 95)), 2),
    }


def _rate(hits: list[bool]) -> float:
    return round(sum(hits) / len(hits), 3) if hits else 0.0
