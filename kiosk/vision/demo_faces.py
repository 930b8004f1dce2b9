"""Face photos we may redistribute, for the demo: both are public-domain US government portraits.

- Eileen Collins, NASA astronaut (`skimage.data.astronaut`, scikit-image): the person to enrol.
- Grace Hopper, US Navy (`grace_hopper.jpg` in matplotlib's sample data): an unknown face.

Both ship inside registry packages (the `demo` extra), so nothing is downloaded at run time.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable

import cv2
import numpy as np

from kiosk.errors import KioskError
from kiosk.images import decode_image
from kiosk.vision.synthetic_mask import STYLES_BY_NAME, render_mask

PROBE_MASK_STYLE = "surgical-green"  # held out from enrolment, like a real mask


@dataclass(frozen=True)
class DemoFaces:
    """BGR images: `enrolled` to enrol, `unknown` a different person never enrolled."""

    enrolled: np.ndarray
    unknown: np.ndarray


def _read(package: str, *parts: str) -> np.ndarray:
    try:
        resource: Traversable = resources.files(package).joinpath(*parts)
    except ModuleNotFoundError as err:
        raise KioskError(f"demo faces need the '{package}' package: pip install 'gatekeeper-kiosk[demo]'") from err
    return decode_image(resource.read_bytes(), f"{package}/{'/'.join(parts)}")


def demo_faces() -> DemoFaces:
    return DemoFaces(
        enrolled=_read("skimage", "data", "astronaut.png"),
        unknown=_read("matplotlib", "mpl-data", "sample_data", "grace_hopper.jpg"),
    )


def masked_probe(image_bgr: np.ndarray, landmarks: np.ndarray) -> np.ndarray:
    """A new "camera frame" of the enrolled person: mirrored, scaled by 0.9, with a green surgical mask drawn on."""
    masked = render_mask(image_bgr, landmarks, STYLES_BY_NAME[PROBE_MASK_STYLE])
    return cv2.resize(masked[:, ::-1], None, fx=0.9, fy=0.9, interpolation=cv2.INTER_AREA)
