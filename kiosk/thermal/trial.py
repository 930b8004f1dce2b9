"""A simulated screening trial: many subjects through the simulated module, the real decoder and the estimator.

One kiosk unit (sensor errors drawn once per seed) is first calibrated on a simulated blackbody, then
screens `subjects` people in simulated time (no sleeping). The simulated people's physiology is the
offset skin-to-core model (`PHYSIOLOGY`): each person's oral-equivalent core temperature is drawn,
and their steady skin is what that model maps to it. Each subject's truth is the temperature at the
reference site when the verdict is given, and the core temperature the physiology puts behind it;
fever truth is that core at or above the threshold. With the bench's default estimator config
(`bench_config("offset")`) the estimator's skin-to-core step is the physiology itself, so every error
comes from sensing (optics, sensor, calibration, emissivity, estimator), not from physiology. With
`bench_config("fitted")` it is the clinical core model the gate runs, judged on people it was not
fitted to (its accuracy against oral is measured on real data: `kiosk thermal fit`). The assumptions
are listed in the README's "Thermal sensing" section.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from hardware.clock import ManualClock
from hardware.thermometer import SimulatedThermometerConfig
from hardware.thermometer.simulated import SimulatedThermometer
from kiosk.thermal.calibration import Calibration, measure_reference
from kiosk.thermal.config import ThermalConfig
from kiosk.thermal.estimator import TemperatureEstimator
from kiosk.thermal.result import TemperatureEstimate, TemperatureResult
from kiosk.thermal.skin_to_core import OffsetSkinToCore, skin_for_core

Model = Literal["gy-mcu90614", "gy-mcu90640"]
CoreModelName = Literal["offset", "fitted"]
RATE_HZ = {"gy-mcu90614": 14.0, "gy-mcu90640": 8.0}
REFERENCES_C = (30.0, 40.0)
PHYSIOLOGY = OffsetSkinToCore()
"""How the simulated people's skin relates to their core: the offset model, one fit per site."""
PHYSIOLOGY_SITE = {"gy-mcu90614": "forehead", "gy-mcu90640": "canthi"}
"""The site whose skin the simulated module sees: a spot sensor's forehead, an array's hottest pixel (the inner canthus)."""


@dataclass(frozen=True)
class Population:
    """Who walks up to the kiosk, oral-equivalent °C; see the README for where each number comes from.

    A share `febrile_share` has a fever: `fever_from_c` plus an exponential excess with mean
    `fever_excess_mean_c`, so most fevers are low-grade and close to the threshold. Everyone else is
    normal with `afebrile_core_c` (mean, SD), redrawn when at or above `fever_from_c`.
    """

    febrile_share: float = 0.10
    afebrile_core_c: tuple[float, float] = (36.87, 0.29)
    fever_from_c: float = 37.5
    fever_excess_mean_c: float = 0.62
    room_c: tuple[float, float] = (22.0, 1.5)
    distance_m: tuple[float, float] = (0.18, 0.06)
    distance_estimate_sd: float = 0.08
    emissivity: tuple[float, float] = (0.98, 0.005)
    cold_deficit_c: tuple[float, float] = (0.0, 0.15)
    approach_s: tuple[float, float] = (0.2, 0.6)
    frame_fault_rate: float = 0.01

    def core_c(self, rng: np.random.Generator) -> float:
        """One person's oral-equivalent core temperature, °C."""
        if rng.random() < self.febrile_share:
            return self.fever_from_c + float(rng.exponential(self.fever_excess_mean_c))
        core_c = rng.normal(*self.afebrile_core_c)
        while core_c >= self.fever_from_c:
            core_c = rng.normal(*self.afebrile_core_c)
        return float(core_c)


@dataclass(frozen=True)
class SubjectOutcome:
    true_site_c: float
    true_core_c: float
    true_febrile: bool
    result: TemperatureResult
    time_to_verdict_s: float


def bench_config(core_model: CoreModelName = "offset") -> ThermalConfig:
    """The gate's thermal defaults with the estimator's skin-to-core step set to `core_model`.

    "offset" is the simulated physiology itself (the array's site is then "canthi", the one the offset
    model knows); "fitted" is the clinical core model the gate runs by default.
    """
    if core_model == "offset":
        return ThermalConfig(core_model="offset", array_site="canthi")
    return ThermalConfig(core_model="fitted")


def run_trial(
    subjects: int,
    seed: int,
    model: Model = "gy-mcu90614",
    population: Population = Population(),
    config: ThermalConfig = bench_config(),
) -> list[SubjectOutcome]:
    rng = np.random.default_rng(seed)
    clock = ManualClock()
    thermometer = SimulatedThermometer(
        SimulatedThermometerConfig(model=model, rate_hz=RATE_HZ[model], fov_deg=config.spot_fov_deg), clock, seed=seed
    )
    calibration = calibrate(thermometer, clock, rng)
    estimator = TemperatureEstimator(config, calibration=calibration)
    return [_screen_one(thermometer, estimator, clock, rng, model, population) for _ in range(subjects)]


def calibrate(thermometer: SimulatedThermometer, clock: ManualClock, rng: np.random.Generator) -> Calibration:
    """The operator's two-point blackbody calibration on the simulated unit, with the room read off a
    reference thermometer good to ±0.2 °C."""
    points = []
    for reference_c in REFERENCES_C:
        thermometer.hold_reference(reference_c)
        points.append(measure_reference(thermometer, clock, lambda: clock.advance(0.05), reference_c))
    thermometer.hold_reference(None)
    room_c = thermometer.scene.room.ambient_at(clock.monotonic()) + rng.normal(0.0, 0.1)
    return Calibration.two_point(points[0], points[1], f"simulated t={clock.monotonic():.1f} s", room_c=room_c)


def _screen_one(
    thermometer: SimulatedThermometer,
    estimator: TemperatureEstimator,
    clock: ManualClock,
    rng: np.random.Generator,
    model: Model,
    population: Population,
) -> SubjectOutcome:
    p = population
    room_c = float(np.clip(rng.normal(*p.room_c), 17.0, 28.0))
    thermometer.set_ambient(room_c)
    site = PHYSIOLOGY_SITE[model]
    subject = thermometer.subject_arrives(
        skin_for_core(PHYSIOLOGY, site, p.core_c(rng), room_c),
        float(np.clip(rng.normal(*p.distance_m), 0.05, 0.8)),
        emissivity=float(np.clip(rng.normal(*p.emissivity), 0.96, 0.995)),
        cold_deficit_c=rng.uniform(*p.cold_deficit_c),
        approach_s=rng.uniform(*p.approach_s),
    )
    face_size_error = rng.normal(1.0, p.distance_estimate_sd)
    estimator.reset()
    result = None
    while result is None:
        clock.advance(1.0 / RATE_HZ[model])
        if rng.random() < p.frame_fault_rate:
            thermometer.faults.corrupt_checksum()
        if rng.random() < p.frame_fault_rate:
            thermometer.faults.inject_garbage(int(rng.integers(1, 20)))
        reading = thermometer.read()
        if reading is None:
            continue
        distance_m = subject.distance_at(clock.monotonic()) * face_size_error if model == "gy-mcu90614" else None
        result = estimator.add(reading, distance_m)
    verdict_at = clock.monotonic()
    true_site_c = subject.site_at(verdict_at)
    true_core_c = PHYSIOLOGY.core_c(site, true_site_c, room_c)
    thermometer.subject_leaves()
    clock.advance(1.0)
    return SubjectOutcome(
        true_site_c=true_site_c,
        true_core_c=true_core_c,
        true_febrile=true_core_c >= estimator.config.threshold_c,
        result=result,
        time_to_verdict_s=verdict_at - subject.arrived_at,
    )


def summarise(outcomes: list[SubjectOutcome]) -> dict[str, float | int | None]:
    """The benchmark's JSON object; accuracy and fever figures are over the subjects not refused."""
    estimates = [(o, o.result) for o in outcomes if isinstance(o.result, TemperatureEstimate)]
    errors = np.array([abs(r.site_c - o.true_site_c) for o, r in estimates])
    times = np.array([o.time_to_verdict_s for o in outcomes])
    febrile = [r.above_threshold for o, r in estimates if o.true_febrile]
    healthy = [not r.above_threshold for o, r in estimates if not o.true_febrile]
    return {
        "subjects": len(outcomes),
        "within_0_3": _round(np.mean(errors <= 0.3)) if len(errors) else None,
        "p95_abs_error_c": _round(np.percentile(errors, 95)) if len(errors) else None,
        "median_time_to_verdict_s": _round(np.median(times)),
        "p95_time_to_verdict_s": _round(np.percentile(times, 95)),
        "refused": _round(1 - len(estimates) / len(outcomes)),
        "fever_sensitivity": _round(np.mean(febrile)) if febrile else None,
        "fever_specificity": _round(np.mean(healthy)) if healthy else None,
    }


def _round(value: float) -> float:
    return round(float(value), 4)
