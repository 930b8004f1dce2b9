"""A temperature check at the gate: thermometer readings into the estimator, an offline sensor as a value.

The gate runner polls this; an unplugged or silent sensor comes back as ThermometerUnavailable, so the
gate can say "temperature check unavailable" and apply its policy (deny, or call an operator)
instead of hanging or letting the person through unchecked.
"""

from __future__ import annotations

from dataclasses import dataclass

from hardware.errors import DeviceUnavailable
from hardware.thermometer import Thermometer
from kiosk.thermal.estimator import TemperatureEstimator
from kiosk.thermal.result import TemperatureResult


@dataclass(frozen=True)
class ThermometerUnavailable:
    sentence: str


class TemperatureCheck:
    """`poll()` once per loop turn: None while measuring, then a result; `subject_left()` between people."""

    def __init__(self, thermometer: Thermometer, estimator: TemperatureEstimator) -> None:
        self._thermometer = thermometer
        self._estimator = estimator

    def poll(self, distance_m: float | None = None) -> TemperatureResult | ThermometerUnavailable | None:
        try:
            reading = self._thermometer.read()
        except DeviceUnavailable as err:
            self._estimator.reset()
            return ThermometerUnavailable(f"temperature check unavailable: {err}")
        if reading is None:
            return None
        return self._estimator.add(reading, distance_m)

    def subject_left(self) -> None:
        self._estimator.reset()
