"""Choosing the match thresholds on development pairs: the score at which impostors are accepted at a set rate.

The listed different-person pairs are too few for a rate of 1e-3 (499 in LFW's dev test), so the
impostor scores are every enrolled-image × probe-image comparison between different people among the
images the pairs use (about 730,000 in the dev test). Unmasked: the better of photo and mirror image
against a bare probe. Masked: the best of a photo's templates (photo, synthetic-mask variants, and
their mirror images) against a probe wearing a held-out synthetic mask, as `Gallery` scores them.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from kiosk.vision import metrics
from kiosk.vision.evaluate import PairScorer, Sample, pair_styles
from kiosk.vision.pairs import PairList
from kiosk.vision.pipeline import FacePipeline


def _identity(sample: Sample) -> str:
    return sample.path.parent.name


def _calibration(scorer: PairScorer, pair_list: PairList, probe_masked: bool, fars: tuple[float, ...]) -> dict[str, object]:
    mode = "synthetic" if probe_masked else "none"
    genuine = np.array([scorer.score(pair, mode) for pair in pair_list.pairs if pair.same])
    enrolled = _distinct(scorer.sample(pair.first, None) for pair in pair_list.pairs)
    probes = _distinct(scorer.sample(pair.second, pair_styles(pair.first, pair.second, mode)[1]) for pair in pair_list.pairs)
    probe_matrix = np.stack([s.embedding for s in probes])
    per_photo = [
        np.max(np.stack([t.embedding for t in scorer.templates(s, with_masks=probe_masked)]) @ probe_matrix.T, axis=0)
        for s in enrolled
    ]
    scores = np.stack(per_photo)
    different = np.array([[_identity(e) != _identity(p) for p in probes] for e in enrolled])
    impostor = scores[different]
    report: dict[str, object] = {"impostor_comparisons": int(impostor.size)}
    for far in fars:
        threshold = metrics.threshold_at_far(impostor, far)
        report[f"far_{far:.0e}"] = {
            "threshold": round(threshold, 4),
            "tar_on_listed_pairs": round(float(np.mean(genuine >= threshold)), 4),
        }
    return report


def _distinct(samples: Iterable[Sample | None]) -> list[Sample]:
    """Each image once, leaving out those without a face."""
    return list({sample.path: sample for sample in samples if sample is not None}.values())


def calibrate(pipeline: FacePipeline, pair_list: PairList, fars: tuple[float, ...] = (1e-2, 1e-3, 1e-4, 1e-5)) -> dict[str, object]:
    """Thresholds at each false-accept rate for unmasked and masked probes, with the count of impostor scores behind them.

    At 1e-5 only a handful of impostor scores lie above the threshold: read it as an estimate.
    """
    scorer = PairScorer(pipeline)
    return {
        "unmasked": _calibration(scorer, pair_list, probe_masked=False, fars=fars),
        "masked": _calibration(scorer, pair_list, probe_masked=True, fars=fars),
    }
