from pathlib import Path

from kiosk.vision.calibrate import calibrate
from kiosk.vision.pairs import Pair, PairList


def test_every_enrolled_photo_is_compared_with_every_other_persons_probe(pipeline, shared_dir):
    root = shared_dir / "faces-dev" / "lfw-devtest"

    def photo(name: str, number: int) -> Path:
        return root / name / f"{name}_{number:04d}.jpg"

    pairs = PairList(
        [
            Pair(photo("Abdullah_Gul", 13), photo("Abdullah_Gul", 14), True, 0),
            Pair(photo("Aaron_Tippin", 1), photo("AJ_Lamas", 1), False, 0),
        ],
        folds=1,
    )
    report = calibrate(pipeline, pairs, fars=(1e-3,))
    for kind in ("unmasked", "masked"):
        # enrolled {Gul 13, Tippin 1} × probes {Gul 14, Lamas 1}: 3 comparisons between different people
        assert report[kind]["impostor_comparisons"] == 3
        assert report[kind]["far_1e-03"]["tar_on_listed_pairs"] == 1.0
    assert report["masked"]["far_1e-03"]["threshold"] > 0
