import cv2
import numpy as np

from kiosk.vision.eval_masks import on_canvas
from kiosk.vision.mask import anchors, decode_boxes, iou, verdict
from kiosk.vision.synthetic_mask import STYLES_BY_NAME, render_mask


def test_anchor_layout_matches_the_models_5972_outputs():
    priors = anchors()
    assert priors.shape == (5972, 4)
    assert np.allclose(priors[0], [0.5 / 33, 0.5 / 33, 0.04, 0.04])
    assert np.allclose(priors[2, 2:], [0.04 * np.sqrt(0.62), 0.04 / np.sqrt(0.62)])


def test_zero_deltas_decode_to_the_anchor_and_the_overlapping_anchor_decides():
    priors = np.array([[0.5, 0.5, 0.4, 0.4], [0.1, 0.1, 0.1, 0.1]], dtype=np.float32)
    boxes = decode_boxes(np.zeros((2, 4), dtype=np.float32), priors)
    assert np.allclose(boxes[0], [0.3, 0.3, 0.7, 0.7])
    assert np.isclose(iou(boxes, np.array([0.3, 0.3, 0.7, 0.7]))[0], 1.0)
    scores = np.array([[0.9, 0.1], [0.0, 0.99]], dtype=np.float32)  # the far-off anchor is more confident
    result = verdict(boxes, scores, np.array([0.3, 0.3, 0.7, 0.7]), 0.5)
    assert result.masked and abs(result.score - 0.9) < 1e-6


def _classify(pipeline, image):
    face = max(pipeline.detector.detect(image), key=lambda f: f.box[2] * f.box[3])
    return pipeline.mask_classifier.classify(image, face.box)


def test_real_masked_and_unmasked_photos(masking_pipeline, mask_photos):
    pipeline = masking_pipeline
    for name in ("with_mask_019.jpg", "with_mask_020.jpg", "with_mask_023.jpg"):
        assert _classify(pipeline, on_canvas(cv2.imread(str(mask_photos / "with_mask" / name)))).masked, name
    for path in sorted((mask_photos / "without_mask").iterdir())[:3]:
        assert not _classify(pipeline, on_canvas(cv2.imread(str(path)))).masked, path.name


def test_synthetic_mask_on_an_lfw_face_is_seen_as_a_mask(masking_pipeline, lfw):
    pipeline = masking_pipeline
    image = lfw("Abdullah_Gul", 13)
    face = pipeline.detector.detect(image)[0]
    assert not pipeline.mask_classifier.classify(image, face.box).masked
    masked = render_mask(image, face.landmarks, STYLES_BY_NAME["surgical-blue"])
    assert pipeline.mask_classifier.classify(masked, face.box).masked
