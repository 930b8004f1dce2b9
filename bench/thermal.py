"""Thermal benchmark: simulated subjects through the real decoder and estimator, three seeds per module.

The single-pixel GY-MCU90614 runs the issue's 1000 subjects per seed; the GY-MCU90640 array, whose
frames take longer to render, runs 200 per seed as a second opinion (it has no accuracy target).
"""

from __future__ import annotations

import time

from kiosk.thermal.trial import run_trial, summarise

SEEDS = (0, 1, 2)
SUBJECTS = {"gy-mcu90614": 1000, "gy-mcu90640": 200}


def run() -> dict:
    results: dict = {}
    for model, subjects in SUBJECTS.items():
        for seed in SEEDS:
            started = time.perf_counter()
            summary = summarise(run_trial(subjects, seed, model))
            results[f"{model} seed {seed}"] = summary | {"wall_s": round(time.perf_counter() - started, 2)}
    return results
