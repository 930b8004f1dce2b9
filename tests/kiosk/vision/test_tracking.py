from kiosk.vision.mask import MaskVerdict
from kiosk.vision.detector import box_iou
from kiosk.vision.tracking import MaskTrack

MASKED = MaskVerdict(True, 0.9)


def test_box_iou_of_same_shifted_and_disjoint_boxes():
    assert box_iou((10, 10, 100, 100), (10, 10, 100, 100)) == 1.0
    assert box_iou((0, 0, 100, 100), (50, 0, 100, 100)) == 50 * 100 / (2 * 100 * 100 - 50 * 100)
    assert box_iou((0, 0, 10, 10), (20, 20, 10, 10)) == 0.0


def test_a_tracked_face_keeps_its_verdict_for_the_configured_frames_then_is_checked_again():
    track = MaskTrack(reuse_frames=2, min_iou=0.6)
    assert track.verdict_for((0, 0, 100, 100)) is None
    track.start((0, 0, 100, 100), MASKED)
    assert track.verdict_for((2, 1, 100, 100)) == MASKED
    assert track.verdict_for((4, 2, 100, 100)) == MASKED
    assert track.verdict_for((4, 2, 100, 100)) is None


def test_a_face_whose_box_moved_away_from_the_checked_box_is_checked_again():
    track = MaskTrack(reuse_frames=10, min_iou=0.6)
    track.start((0, 0, 100, 100), MASKED)
    assert track.verdict_for((40, 0, 100, 100)) is None


def test_a_lost_face_or_zero_reuse_frames_always_means_a_fresh_check():
    track = MaskTrack(reuse_frames=10, min_iou=0.6)
    track.start((0, 0, 100, 100), MASKED)
    track.lose()
    assert track.verdict_for((0, 0, 100, 100)) is None
    never = MaskTrack(reuse_frames=0, min_iou=0.6)
    never.start((0, 0, 100, 100), MASKED)
    assert never.verdict_for((0, 0, 100, 100)) is None
