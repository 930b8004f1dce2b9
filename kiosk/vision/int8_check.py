"""Whether the int8 mask model answers like the float one on this CPU, checked at load on reference inputs kept in the repository.

onnxruntime chooses its int8 convolution kernels by CPU. With AVX512-VNNI or AVX-VNNI a sum of
u8×s8 products is exact; with AVX2 alone (vpmaddubsw) each pair of products is first added in 16
bits and saturates, so the same int8 model gives other numbers there. On an AMD EPYC with AVX2 and
no VNNI the shipped int8 model scored a masked face 0.83 where float scored 0.99, and `kiosk eval
masks` fell from 98/100 and 100/100 to 95/100 and 88/100. So int8 runs only when, on this CPU, it
gives the float model's verdicts and nearly its scores on the reference inputs; otherwise the float
model runs and the reason is logged.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import cv2
import numpy as np

from kiosk.vision.mask import INPUT_SIZE, MaskVerdict, anchors, decode_boxes, to_input, verdict
from kiosk.models import quantise

if TYPE_CHECKING:  # sessions are made by kiosk.vision.session
    import onnxruntime as ort

REFERENCE_FILE_NAME = "mask_int8_reference.json"
JPEG_QUALITY = 85
MAX_SCORE_DIFFERENCE = 0.1
"""Largest difference in a reference view's mask probability (its deciding anchor) allowed between int8 and float."""
MAX_MEAN_PROBABILITY_DIFFERENCE = 0.001
"""Largest mean difference over all 5972×2 anchor class probabilities of a reference view. The references' verdicts
are confident and hardly move; this mean shows how far int8 strays everywhere else. On 52 mask-check views rounding
alone (exact int8 sums: VNNI) gave 0.0005–0.0007, saturating AVX2 sums 0.0005–0.0038 (above 0.0007 on 50 of them),
and on the demo-face views the references are made of 0.0010–0.0019 (docs/vision-cpu.md)."""


class ReferencesError(ValueError):
    """The reference inputs file is missing or malformed; the message names the file and the fix."""


@dataclass(frozen=True)
class ReferenceInputs:
    """Mask-check views (BGR uint8, 260×260) and the face box in each ((x1, y1, x2, y2), normalised), with a name each."""

    names: tuple[str, ...]
    images: tuple[np.ndarray, ...]
    faces: tuple[tuple[float, float, float, float], ...]
    source: str


@dataclass(frozen=True)
class Int8Agreement:
    """How the int8 model's answers compare with the float model's on the reference views, on this CPU."""

    inputs: int
    verdicts_differ: int
    max_score_difference: float
    max_mean_probability_difference: float

    @property
    def is_close(self) -> bool:
        return (
            self.verdicts_differ == 0
            and self.max_score_difference <= MAX_SCORE_DIFFERENCE
            and self.max_mean_probability_difference <= MAX_MEAN_PROBABILITY_DIFFERENCE
        )

    def describe(self) -> str:
        return (
            f"on {self.inputs} reference views {self.verdicts_differ} verdicts differ from float (allowed 0), mask scores by up to "
            f"{self.max_score_difference:.4f} (allowed {MAX_SCORE_DIFFERENCE}), class probabilities by {self.max_mean_probability_difference:.5f}"
            f" on average (allowed {MAX_MEAN_PROBABILITY_DIFFERENCE})"
        )


def references_path() -> Path:
    return quantise.RANGES_DIR / REFERENCE_FILE_NAME


def load_references(path: Path | None = None) -> ReferenceInputs:
    """The reference inputs kept as JPEG (base64) in a JSON file beside the int8 ranges (`references_path()`)."""
    path = path or references_path()
    try:
        data = json.loads(path.read_text())
        rows = data["inputs"]
        images = tuple(_decode(row["jpeg"]) for row in rows)
        faces = tuple(tuple(float(v) for v in row["face"]) for row in rows)
        names = tuple(str(row["name"]) for row in rows)
    except FileNotFoundError as err:
        raise ReferencesError(f"int8 reference inputs {path}: missing (write them with 'python -m kiosk.models.calibrate_int8 --references')") from err
    except (ValueError, KeyError, TypeError, binascii.Error) as err:
        raise ReferencesError(f"int8 reference inputs {path}: unreadable ({err}); expected the JSON that kiosk.models.calibrate_int8 writes") from err
    wrong = [name for name, image, face in zip(names, images, faces) if image is None or image.shape != (INPUT_SIZE, INPUT_SIZE, 3) or len(face) != 4]
    if not rows or wrong:
        raise ReferencesError(
            f"int8 reference inputs {path}: {len(rows)} inputs, {len(wrong)} malformed ({', '.join(wrong[:3])}); "
            f"expected {INPUT_SIZE}×{INPUT_SIZE} colour JPEGs, each with a face box of 4 numbers"
        )
    return ReferenceInputs(names, images, faces, str(data.get("source", "")))


def save_references(references: ReferenceInputs, path: Path | None = None) -> Path:
    path = path or references_path()
    rows = [
        {"name": name, "face": [round(v, 6) for v in face], "jpeg": _encode(image)}
        for name, image, face in zip(references.names, references.images, references.faces)
    ]
    path.write_text(json.dumps({"source": references.source, "inputs": rows}, indent=1) + "\n")
    return path


def _encode(image: np.ndarray) -> str:
    ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    if not ok:
        raise ReferencesError(f"int8 reference image of shape {image.shape}: JPEG encoding failed")
    return base64.b64encode(data.tobytes()).decode("ascii")


def _decode(text: str) -> np.ndarray | None:
    return cv2.imdecode(np.frombuffer(base64.b64decode(text, validate=True), dtype=np.uint8), cv2.IMREAD_COLOR)


def agreement(
    float_session: ort.InferenceSession, int8_session: ort.InferenceSession, references: ReferenceInputs, threshold: float
) -> Int8Agreement:
    """Both sessions' verdicts (mask probability at or above `threshold`) and class probabilities on every reference view, compared."""
    exact, fast = (reference_outputs(session, references) for session in (float_session, int8_session))
    priors = anchors()
    differ, score_difference, mean_difference = 0, 0.0, 0.0
    for (exact_deltas, exact_scores), (fast_deltas, fast_scores), face in zip(exact, fast, references.faces):
        exact_verdict = verdict(decode_boxes(exact_deltas, priors), exact_scores, np.array(face), threshold)
        fast_verdict = verdict(decode_boxes(fast_deltas, priors), fast_scores, np.array(face), threshold)
        differ += exact_verdict.masked != fast_verdict.masked
        score_difference = max(score_difference, abs(exact_verdict.score - fast_verdict.score))
        mean_difference = max(mean_difference, float(np.abs(exact_scores - fast_scores).mean()))
    return Int8Agreement(len(exact), differ, round(score_difference, 4), round(mean_difference, 5))


def reference_outputs(session: ort.InferenceSession, references: ReferenceInputs) -> list[tuple[np.ndarray, np.ndarray]]:
    """The mask model's box deltas (5972×4) and class probabilities (5972×2) for each reference view."""
    name = session.get_inputs()[0].name
    return [tuple(output[0] for output in session.run(None, {name: to_input(image)})) for image in references.images]


def reference_verdicts(session: ort.InferenceSession, references: ReferenceInputs, threshold: float) -> list[MaskVerdict]:
    """The verdict on each reference view: the most confident anchor overlapping its face box, all anchors decoded."""
    priors = anchors()
    return [
        verdict(decode_boxes(deltas, priors), scores, np.array(face), threshold)
        for (deltas, scores), face in zip(reference_outputs(session, references), references.faces)
    ]
