import numpy as np

from kiosk.vision import metrics


def test_tar_at_far_picks_the_threshold_above_the_allowed_impostors():
    impostor = np.linspace(0.0, 0.99, 100)  # 100 impostors: FAR 1e-2 allows one false accept
    genuine = np.array([0.5, 0.985, 0.995, 1.0])
    scores = np.concatenate([genuine, impostor])
    same = np.array([True] * 4 + [False] * 100)
    tar, threshold = metrics.tar_at_far(scores, same, 1e-2)
    assert 0.98 < threshold <= 0.99 and tar == 0.75
    assert np.mean(impostor >= threshold) <= 1e-2


def test_pairs_without_a_face_count_as_errors():
    scores = np.array([0.9, -np.inf, 0.1, -np.inf])
    same = np.array([True, True, False, False])
    assert metrics.accuracy_at(scores, same, 0.5) == 0.5
    tar, _ = metrics.tar_at_far(scores, same, 1e-3)
    assert tar == 0.5


def test_kfold_accuracy_chooses_each_threshold_on_the_other_folds():
    rng = np.random.default_rng(0)
    same = np.tile([True, False], 100)
    scores = np.where(same, 0.7, 0.1) + rng.normal(0, 0.05, 200)
    folds = np.repeat(np.arange(10), 20)
    mean, spread = metrics.kfold_accuracy(scores, same, folds)
    assert mean == 1.0 and spread == 0.0
