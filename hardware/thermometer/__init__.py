"""Thermometer: object and ambient temperature readings from an infrared sensor."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

import numpy as np

from hardware.settings import setting


@dataclass(frozen=True)
class Reading:
    """One sensor reading in °C, stamped with the monotonic time it arrived.

    `pixels_c` is the full image (rows × columns, °C) for array sensors, None for single-pixel ones;
    `object_c` is then the hottest pixel.
    """

    object_c: float
    ambient_c: float
    taken_at: float
    pixels_c: np.ndarray | None = None


class Thermometer(Protocol):
    """`read()` returns the newest reading since the last call, or None when none arrived yet.

    It raises DeviceUnavailable while the sensor is offline (unplugged, silent); the driver keeps
    trying to reconnect on later calls, so the caller just keeps calling.
    """

    def read(self) -> Reading | None: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class SimulatedThermometerConfig:
    driver: Literal["simulated"] = "simulated"
    ambient_c: float = setting(22.0, "simulated room temperature, °C", min=-20, max=60)
    noise_c: float = setting(0.05, "standard deviation of reading noise, °C", min=0, max=5)
    rate_hz: float = setting(8.0, "readings per second", min=0.5, max=64)


ThermometerConfig = SimulatedThermometerConfig
