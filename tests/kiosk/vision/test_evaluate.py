from kiosk.vision.detector import FaceDetector
from kiosk.vision.evaluate import PAIRS_DETECT_SCORE, central_face
from kiosk.vision.synthetic_mask import STYLES_BY_NAME, render_mask


def test_the_pairs_score_bar_finds_a_masked_face_the_kiosk_bar_misses(pipeline, yunet, lfw):
    photo = lfw("Camilla_Parker_Bowles", 2)
    face = central_face(pipeline.detector.detect(photo), photo.shape)
    masked = render_mask(photo, face.landmarks, STYLES_BY_NAME["cloth-navy"])  # YuNet scores it about 0.4
    assert FaceDetector(yunet, score_threshold=0.5).detect(masked) == []
    found = central_face(FaceDetector(yunet, score_threshold=PAIRS_DETECT_SCORE).detect(masked), masked.shape)
    assert found is not None and abs(found.box[0] - face.box[0]) < 0.2 * face.box[2]
