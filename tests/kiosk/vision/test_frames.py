import numpy as np

from hardware.camera import Frame
from kiosk.vision import FrameAnalyser


def test_unchanged_frames_reuse_the_last_result_and_changed_ones_are_analysed(pipeline, lfw):
    analyser = FrameAnalyser(pipeline, unchanged_level=2.0)
    image = lfw("Abdullah_Gul", 13)
    first = analyser.analyse(Frame(image, 0.0, 0))
    noisy = np.clip(image.astype(np.int16) + np.random.default_rng(3).integers(-1, 2, image.shape), 0, 255)
    again = analyser.analyse(Frame(noisy.astype(np.uint8), 0.1, 1))
    assert again is first and analyser.skipped == 1
    empty = analyser.analyse(Frame(np.full_like(image, 128), 0.2, 2))
    assert empty is None and analyser.skipped == 1


def _framed(image: np.ndarray, left: int) -> np.ndarray:
    frame = np.full((image.shape[0], image.shape[1] + 120, 3), 110, dtype=np.uint8)
    frame[:, left : left + image.shape[1]] = image
    return frame


def test_a_tracked_face_reuses_its_mask_verdict_but_is_embedded_on_every_frame(masking_pipeline, lfw):
    pipeline = masking_pipeline
    analyser = FrameAnalyser(pipeline, unchanged_level=0.0)
    image = lfw("Abdullah_Gul", 13)
    first = analyser.analyse(Frame(_framed(image, 60), 0.0, 0))
    followed = [analyser.analyse(Frame(_framed(image, 60 + step), 0.1 * step, step)) for step in range(1, 6)]
    assert analyser.masks_reused == pipeline.config.mask_track_frames == 5
    assert all(o.masked == first.masked and o.mask_score == first.mask_score for o in followed)
    assert all(o.embedding is not None for o in followed)
    analyser.analyse(Frame(_framed(image, 66), 0.6, 6))
    assert analyser.masks_reused == 5  # verdict too old: checked again


def test_a_face_that_moved_far_or_left_the_frame_gets_a_fresh_mask_check(pipeline, lfw):
    analyser = FrameAnalyser(pipeline, unchanged_level=0.0)
    image = lfw("Abdullah_Gul", 13)
    analyser.analyse(Frame(_framed(image, 0), 0.0, 0))
    analyser.analyse(Frame(_framed(image, 120), 0.1, 1))
    assert analyser.masks_reused == 0
    assert analyser.analyse(Frame(np.full_like(_framed(image, 0), 110), 0.2, 2)) is None
    analyser.analyse(Frame(_framed(image, 120), 0.3, 3))
    assert analyser.masks_reused == 0
