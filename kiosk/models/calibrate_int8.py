"""Measure the mask model's int8 activation ranges on face photos and write them beside the manifest.

    python -m kiosk.models.calibrate_int8 --images ../shared/faces-dev/lfw-devtest [--step 8] [--models-dir DIR]

The inputs are what the mask check feeds the model at the gate: the close-up crop around each detected
face and, for every second photo, a whole-frame view (of the photo itself, or of the photo pasted into a
camera-sized frame); every second photo wears a synthetic mask (the enrolment styles in turn), so both
classes are covered. Only the resulting ranges are kept, never the photos. Keep the photos used here out
of `kiosk eval masks`' folder so that evaluation stays held out.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from kiosk import models
from kiosk.models.optimise import optimised_model
from kiosk.models.quantise import Int8Ranges, measure_ranges, save_ranges

if TYPE_CHECKING:  # kiosk.vision loads OpenCV and onnxruntime; the script imports it only when it runs
    from kiosk.vision.detector import Box
    from kiosk.vision.pipeline import FacePipeline

PHOTO_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp"}
FRAME_SIZE = (640, 480)
FRAME_FACE_SCALES = (0.75, 1.5, 2.5)
"""Photos are also pasted into camera-sized frames at these scales (LFW faces of about 60 px become 45–150 px),
so the whole-frame view's finer output layers see confident faces too, not only the close-up's coarse ones."""


def calibration_inputs(pipeline: FacePipeline, photos: list[Path]) -> Iterator[np.ndarray]:
    """The mask model's inputs for `photos`, as the mask check would build them (photos without a face are skipped).

    Each photo gives its close-up; every second one also a whole-frame view, of the photo itself or of the
    photo pasted into a camera-sized frame, in turn.
    """
    from kiosk.images import read_image
    from kiosk.vision.mask import face_crop, to_input, whole_frame
    from kiosk.vision.synthetic_mask import ENROLMENT_STYLES, render_mask

    for number, path in enumerate(photos):
        image = read_image(path)
        face = pipeline.largest_face(image)
        if face is None:
            continue
        if number % 2:
            image = render_mask(image, face.landmarks, ENROLMENT_STYLES[(number // 2) % len(ENROLMENT_STYLES)])
        yield to_input(face_crop(image, face.box)[0])
        if number % 4 == 0:
            yield to_input(whole_frame(image, face.box)[0])
        elif number % 4 == 2:
            scale = FRAME_FACE_SCALES[(number // 4) % len(FRAME_FACE_SCALES)]
            frame, box = in_camera_frame(image, face.box, scale)
            yield to_input(whole_frame(frame, box)[0])


def in_camera_frame(image: np.ndarray, box: Box, scale: float) -> tuple[np.ndarray, Box]:
    """`image` scaled by `scale` on a grey FRAME_SIZE frame (cropped to fit), and `box` moved with it."""
    import cv2

    scaled = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_LINEAR)[: FRAME_SIZE[1], : FRAME_SIZE[0]]
    frame = np.full((FRAME_SIZE[1], FRAME_SIZE[0], 3), 110, dtype=np.uint8)
    left, top = (FRAME_SIZE[0] - scaled.shape[1]) // 2, (FRAME_SIZE[1] - scaled.shape[0]) // 2
    frame[top : top + scaled.shape[0], left : left + scaled.shape[1]] = scaled
    x, y, width, height = box
    return frame, (x * scale + left, y * scale + top, width * scale, height * scale)


def main(argv: list[str] | None = None) -> int:
    from kiosk.vision import FacePipeline, VisionConfig
    from kiosk.vision.evaluate import PAIRS_DETECT_SCORE

    parser = argparse.ArgumentParser(prog="python -m kiosk.models.calibrate_int8", description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=Path, required=True, help="folder of face photos (searched recursively)")
    parser.add_argument("--step", type=int, default=8, help="use every STEP-th photo in name order")
    parser.add_argument("--models-dir", type=Path, default=None, help="models folder (default: $KIOSK_MODELS_DIR)")
    args = parser.parse_args(argv)
    photos = sorted(p for p in args.images.rglob("*") if p.suffix.lower() in PHOTO_SUFFIXES)[:: max(args.step, 1)]
    if not photos:
        parser.error(f"--images {args.images}: no JPEG, PNG or BMP photos found")
    # LFW-like photos, some with synthetic masks: the same low face-score bar as `kiosk eval faces`
    pipeline = FacePipeline(VisionConfig(detect_score=PAIRS_DETECT_SCORE, mask_int8=False), args.models_dir, mask_required=True)
    spec = models.load_manifest()["mask"]
    inputs = list(calibration_inputs(pipeline, photos))
    ranges = measure_ranges(optimised_model(models.locate(spec, pipeline.models_dir)), inputs)
    description = f"{len(inputs)} mask-check inputs from {len(photos)} photos in {args.images.name}/ (every {args.step}th), half with synthetic masks"
    path = save_ranges(Int8Ranges("mask", spec.sha256, description, ranges))
    print(f"{len(ranges)} tensor ranges from {description} -> {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
