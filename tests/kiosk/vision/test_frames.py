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
