"""Thermal benchmark: simulated subjects through the real decoder and estimator, three seeds per module.

The single-pixel GY-MCU90614 runs the issue's 1000 subjects per seed, with the estimator's skin-to-core
step first the simulated people's own physiology (the offset model: only sensing errs) and then the
fitted clinical model the gate runs. The GY-MCU90640 array, whose frames take longer to render, runs
200 per seed as a second opinion (it has no accuracy target).
"""

from __future__ import annotations

import time

from kiosk.thermal.trial import bench_config, run_trial, summarise

SEEDS = (0, 1, 2)
RUNS = (("gy-mcu90614", "offset", 1000), ("gy-mcu90614", "fitted", 1000), ("gy-mcu90640", "offset", 200))


def run() -> dict:
    results: dict = {}
    for model, core_model, subjects in RUNS:
        for seed in SEEDS:
            started = time.perf_counter()
            summary = summarise(run_trial(subjects, seed, model, config=bench_config(core_model)))
            results[f"{model} {core_model} seed {seed}"] = summary | {"wall_s": round(time.perf_counter() - started, 2)}
    return results
