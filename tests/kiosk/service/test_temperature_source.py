"""The temperature source on the simulated thermometer (real frame decoder) with a manual clock."""

from __future__ import annotations

from hardware.clock import ManualClock
from hardware.thermometer import SimulatedThermometerConfig
from hardware.thermometer.simulated import SimulatedThermometer
from kiosk.gate.events import Outcome, Status
from kiosk.service.sources.temperature import TemperatureSource
from kiosk.thermal.config import ThermalConfig
from kiosk.thermal.estimator import TemperatureEstimator


def measure(clock: ManualClock, source: TemperatureSource, seconds: float = 8.0) -> list[Outcome]:
    outcomes = []
    for _ in range(int(seconds / 0.05)):
        clock.advance(0.05)
        outcomes += [outcome for _, outcome in source.poll(clock.monotonic(), None, True)]
        if outcomes and outcomes[-1].status is not Status.RETRY:
            break
    return outcomes


def make(clock: ManualClock, keep_values: bool = False) -> tuple[TemperatureSource, SimulatedThermometer]:
    thermometer = SimulatedThermometer(SimulatedThermometerConfig(), clock, seed=3)
    return TemperatureSource(thermometer, TemperatureEstimator(ThermalConfig()), keep_values), thermometer


def test_nothing_is_measured_outside_a_visit(clock: ManualClock) -> None:
    source, thermometer = make(clock)
    thermometer.subject_arrives(36.8, distance_m=0.05)
    assert measure(clock, source, seconds=3.0) == []


def test_a_normal_temperature_passes_without_keeping_the_value(clock: ManualClock) -> None:
    source, thermometer = make(clock)
    thermometer.subject_arrives(34.6, distance_m=0.05)
    source.start_visit(None)
    final = measure(clock, source)[-1]
    assert final.status is Status.PASSED
    assert final.above_threshold is False
    assert final.value_c is None


def test_a_fever_fails_with_its_reason_and_the_value_only_when_kept(clock: ManualClock) -> None:
    source, thermometer = make(clock, keep_values=True)
    thermometer.subject_arrives(37.4, distance_m=0.05)
    source.start_visit(None)
    final = measure(clock, source)[-1]
    assert (final.status, final.reason, final.above_threshold) == (Status.FAILED, "temperature-high", True)
    assert final.value_c is not None and final.value_c >= 37.5
    assert "is at or above" in final.detail


def test_an_unplugged_sensor_during_a_visit_is_reported_unavailable_once(clock: ManualClock) -> None:
    source, thermometer = make(clock)
    thermometer.unplug()
    source.start_visit(None)
    outcomes = measure(clock, source, seconds=4.0)
    assert [o.status for o in outcomes] == [Status.UNAVAILABLE]
    assert measure(clock, source, seconds=1.0) == []


def test_too_far_asks_to_step_closer(clock: ManualClock) -> None:
    source, thermometer = make(clock)
    thermometer.subject_arrives(34.6, distance_m=1.0)
    source.start_visit(None)
    outcomes = measure(clock, source, seconds=2.0)
    assert outcomes and outcomes[0].status is Status.RETRY
    assert outcomes[0].message == "Please step closer to the thermometer."
