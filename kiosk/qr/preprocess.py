"""Image steps that a decoding stage may apply before its decoder: each takes and returns a grayscale image."""

from __future__ import annotations

import cv2
import numpy as np


def to_gray(image: np.ndarray) -> np.ndarray:
    """A uint8 H×W image from H×W, H×W×1, H×W×3 (BGR) or H×W×4 (BGRA); ValueError for anything else."""
    if not isinstance(image, np.ndarray) or image.dtype != np.uint8 or image.size == 0:
        raise ValueError(f"image: expected a non-empty uint8 numpy array, got {_describe(image)}")
    if image.ndim == 2:
        return image
    channels = image.shape[2] if image.ndim == 3 else 0
    if channels == 1:
        return image[:, :, 0]
    if channels == 3:
        return cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    if channels == 4:
        return cv2.cvtColor(image, cv2.COLOR_BGRA2GRAY)
    raise ValueError(f"image: expected shape H×W, H×W×3 (BGR) or H×W×4 (BGRA), got {_describe(image)}")


def otsu(gray: np.ndarray) -> np.ndarray:
    """Global black/white threshold: undoes brightness ripple (screen moiré) that local binarizers follow."""
    return cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)[1]


def sharpen(gray: np.ndarray) -> np.ndarray:
    """Unsharp mask (sigma 3 px, kernel cut at 2 sigma for speed): restores module edges in defocused codes."""
    return cv2.addWeighted(gray, 2.5, cv2.GaussianBlur(gray, (13, 13), 3.0), -1.5, 0)


def clahe(gray: np.ndarray) -> np.ndarray:
    """Local contrast equalisation: lifts faint codes on washed-out screens and under glare."""
    return cv2.createCLAHE(clipLimit=3.0, tileGridSize=(8, 8)).apply(gray)


def adaptive(gray: np.ndarray) -> np.ndarray:
    """Local-mean threshold over a window a tenth of the image: black/white under uneven light."""
    block = max(11, min(gray.shape) // 10) | 1
    return cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C, cv2.THRESH_BINARY, block, 5)


def local(gray: np.ndarray) -> np.ndarray:
    """Black/white against the mean of a 25 px window (offset 2 levels): reads faint, unevenly lit and
    tilted codes that zxing's own binarizers lose (the measurements are in docs/qr-validation.md)."""
    return cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY, 25, 2)


def enlarge(gray: np.ndarray) -> np.ndarray:
    """1.5 times the size (bilinear): cheaper than `upscale`, enough to separate modules of 2–3 px."""
    return cv2.resize(gray, None, fx=1.5, fy=1.5, interpolation=cv2.INTER_LINEAR)


def upscale(gray: np.ndarray) -> np.ndarray:
    """Twice the size (bicubic): small or dense codes whose modules are under about 2 px."""
    return cv2.resize(gray, None, fx=2.0, fy=2.0, interpolation=cv2.INTER_CUBIC)


def invert(gray: np.ndarray) -> np.ndarray:
    """Light-on-dark codes (dark-mode phones) for decoders that only read dark-on-light."""
    return cv2.bitwise_not(gray)


def _describe(value: object) -> str:
    if isinstance(value, np.ndarray):
        return f"{value.dtype} array of shape {value.shape}"
    return type(value).__name__
