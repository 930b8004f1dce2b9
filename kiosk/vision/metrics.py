"""Verification metrics on pair scores: TAR at a fixed FAR, best accuracy, and LFW's 10-fold accuracy.

A pair whose face was not found has score -inf: it is rejected at every threshold, so a same-person
pair without a face lowers TAR and accuracy, and the accuracies count every such pair as an error.
"""

from __future__ import annotations

import math

import numpy as np


def threshold_at_far(impostor: np.ndarray, far: float) -> float:
    """The lowest threshold (accept when score >= threshold) whose false-accept rate is at most `far`."""
    ranked = np.sort(impostor[np.isfinite(impostor)])[::-1]
    allowed = math.floor(far * len(impostor))
    if allowed >= len(ranked):
        return float(ranked[-1]) if len(ranked) else math.inf
    return float(np.nextafter(ranked[allowed], np.inf))


def tar_at_far(scores: np.ndarray, same: np.ndarray, far: float) -> tuple[float, float]:
    """(true-accept rate, threshold) at the given false-accept rate."""
    threshold = threshold_at_far(scores[~same], far)
    return float(np.mean(scores[same] >= threshold)), threshold


def accuracy_at(scores: np.ndarray, same: np.ndarray, threshold: float) -> float:
    """Fraction of pairs decided correctly; pairs without a face (score -inf) always count as errors."""
    correct = (scores >= threshold) == same
    return float(np.mean(correct & np.isfinite(scores)))


def best_threshold(scores: np.ndarray, same: np.ndarray) -> float:
    """The threshold that maximises accuracy on these pairs (midpoint between neighbouring scores)."""
    finite = np.unique(scores[np.isfinite(scores)])
    if len(finite) == 0:
        return 0.0
    candidates = np.concatenate([[finite[0] - 1e-6], (finite[1:] + finite[:-1]) / 2, [finite[-1] + 1e-6]])
    accuracies = [accuracy_at(scores, same, t) for t in candidates]
    return float(candidates[int(np.argmax(accuracies))])


def kfold_accuracy(scores: np.ndarray, same: np.ndarray, folds: np.ndarray) -> tuple[float, float]:
    """Mean and standard deviation of accuracy with the threshold chosen on the other folds (LFW View 2 protocol)."""
    results = []
    for fold in np.unique(folds):
        test = folds == fold
        threshold = best_threshold(scores[~test], same[~test])
        results.append(accuracy_at(scores[test], same[test], threshold))
    return float(np.mean(results)), float(np.std(results))
