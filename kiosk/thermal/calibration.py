"""Two-point blackbody calibration: the operator holds references at two known temperatures; we store gain/offset.

true_c = gain · measured_c + offset_c, fitted through the two points and applied to every object
reading (every pixel of an array) before anything else. If the operator also gives the room
temperature from a reference thermometer, the sensor's ambient (its die, which its own electronics
warm) is corrected by `ambient_offset_c`. The file is small JSON next to the config.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from hardware.clock import Clock
from hardware.thermometer import Reading, Thermometer
from kiosk.errors import ConfigError, UsageError
from kiosk.thermal.plateau import find_plateau

FORMAT_VERSION = 1
MIN_SPAN_C = 2.0
GAIN_RANGE = (0.8, 1.25)
CALIBRATED_UNCERTAINTY_C = 0.1
"""Standard uncertainty left after calibration: the reference's own (checklist: < ±0.3 °C expanded) plus drift."""
UNCALIBRATED_UNCERTAINTY_C = 0.25
"""MLX90614 datasheet accuracy ±0.5 °C (0–50 °C) read as two standard uncertainties."""


@dataclass(frozen=True)
class ReferencePoint:
    """A reference source's true temperature, what the sensor read for it, and the sensor's ambient meanwhile."""

    reference_c: float
    measured_c: float
    sensor_ambient_c: float


@dataclass(frozen=True)
class Calibration:
    """A unit's fitted correction; `apply` corrects object readings, `room_c` the sensor's ambient."""

    gain: float
    offset_c: float
    low: ReferencePoint
    high: ReferencePoint
    calibrated_at: str
    ambient_offset_c: float = 0.0

    @classmethod
    def two_point(
        cls, low: ReferencePoint, high: ReferencePoint, calibrated_at: str, room_c: float | None = None
    ) -> Calibration:
        """Fit through two points; raises UsageError when they cannot be a sensor's response."""
        span_c = high.reference_c - low.reference_c
        if span_c < MIN_SPAN_C:
            raise UsageError(
                f"references {low.reference_c} °C and {high.reference_c} °C: expected the second at least {MIN_SPAN_C} °C above the first"
            )
        measured_span_c = high.measured_c - low.measured_c
        gain = span_c / measured_span_c if measured_span_c > 0 else 0.0
        if not GAIN_RANGE[0] <= gain <= GAIN_RANGE[1]:
            raise UsageError(
                f"sensor read {low.measured_c:.2f} °C and {high.measured_c:.2f} °C for references {low.reference_c} °C and "
                f"{high.reference_c} °C: expected a gain within {GAIN_RANGE[0]}–{GAIN_RANGE[1]} (was the reference in full view?)"
            )
        ambient_offset_c = 0.0 if room_c is None else room_c - (low.sensor_ambient_c + high.sensor_ambient_c) / 2
        return cls(
            gain=gain,
            offset_c=low.reference_c - gain * low.measured_c,
            low=low,
            high=high,
            calibrated_at=calibrated_at,
            ambient_offset_c=ambient_offset_c,
        )

    def apply(self, measured_c: float | np.ndarray) -> float | np.ndarray:
        return self.gain * measured_c + self.offset_c

    def room_c(self, sensor_ambient_c: float) -> float:
        return sensor_ambient_c + self.ambient_offset_c

    def save(self, path: Path) -> None:
        path.write_text(json.dumps({"version": FORMAT_VERSION, **asdict(self)}, indent=2) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> Calibration:
        """Read a calibration file; ConfigError names the file and what is wrong with it."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("version") != FORMAT_VERSION:
                raise ValueError(f"version {data.get('version')!r}, expected {FORMAT_VERSION}")
            return cls(
                gain=float(data["gain"]),
                offset_c=float(data["offset_c"]),
                low=ReferencePoint(**data["low"]),
                high=ReferencePoint(**data["high"]),
                calibrated_at=str(data["calibrated_at"]),
                ambient_offset_c=float(data["ambient_offset_c"]),
            )
        except OSError as err:
            raise ConfigError([f"cannot read it: {err.strerror or err} (run 'kiosk thermal calibrate' to create it)"], source=str(path)) from err
        except (ValueError, KeyError, TypeError) as err:
            raise ConfigError([f"not a calibration file: {err}"], source=str(path)) from err


def reference_value_c(reading: Reading) -> float:
    """What the sensor says about a reference that fills its view: the object temperature, or an array's median pixel."""
    return float(np.median(reading.pixels_c)) if reading.pixels_c is not None else reading.object_c


def measure_reference(
    thermometer: Thermometer,
    clock: Clock,
    wait: Callable[[], None],
    reference_c: float,
    window_s: float = 2.0,
    tolerance_c: float = 0.25,
    timeout_s: float = 30.0,
) -> ReferencePoint:
    """Read until the reference gives a plateau of `window_s`; `wait()` lets time pass between reads."""
    started_at = clock.monotonic()
    readings: list[Reading] = []
    values: list[float] = []
    while clock.monotonic() - started_at < timeout_s:
        reading = thermometer.read()
        if reading is not None:
            readings.append(reading)
            values.append(reference_value_c(reading))
            plateau = find_plateau([r.taken_at for r in readings], values, window_s, tolerance_c)
            if plateau is not None:
                ambient_c = float(np.median([readings[i].ambient_c for i in plateau.inliers]))
                return ReferencePoint(reference_c=reference_c, measured_c=plateau.mean_c, sensor_ambient_c=ambient_c)
        wait()
    spread = f"{max(values) - min(values):.2f} °C" if values else "no readings"
    raise UsageError(
        f"reference at {reference_c} °C: readings did not settle within {timeout_s:.0f} s ({spread}; expected a "
        f"{window_s} s plateau within {tolerance_c} °C); hold the source still, filling the sensor's view"
    )
