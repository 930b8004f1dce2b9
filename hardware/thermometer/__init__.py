"""Thermometer: object and ambient temperature readings from an infrared sensor."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

import numpy as np

from hardware.clock import Clock
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
    noise_c: float = setting(
        0.05, "standard deviation of reading noise, °C (0 repeats values, which the estimator takes for a stuck sensor)", min=0, max=5
    )
    rate_hz: float = setting(8.0, "readings per second", min=0.5, max=64)
    model: Literal["gy-mcu90614", "gy-mcu90640"] = setting(
        "gy-mcu90614", "module whose bytes are simulated: single-pixel MLX90614 or 32×24 MLX90640 array"
    )
    fov_deg: float = setting(10.0, "single-pixel field of view, degrees (MLX90614 variants: BAA 90, BCC 35, BCF 10, BCI 5)", min=1, max=120)


@dataclass(frozen=True)
class GyMcu90614Config:
    driver: Literal["gy-mcu90614"] = "gy-mcu90614"
    port: str = setting("/dev/serial0", "serial device or pyserial URL (a pty path, loop://, spy:///dev/serial0)")
    baudrate: Literal[9600, 115200, "auto"] = setting(
        9600, "module baud rate (factory default 9600); 'auto' tries each until frames arrive"
    )
    mode: Literal["continuous", "query"] = setting("continuous", "'continuous': the module streams; 'query': ask for each frame")
    query_hz: float = setting(8.0, "frames asked for per second in query mode (the module wants fewer than 10)", min=0.5, max=9.5)
    offline_after_s: float = setting(2.0, "silence after which the sensor counts as offline, seconds", min=0.2, max=60)


@dataclass(frozen=True)
class GyMcu90640Config:
    driver: Literal["gy-mcu90640"] = "gy-mcu90640"
    port: str = setting("/dev/serial0", "serial device or pyserial URL (a pty path, loop://, spy:///dev/serial0)")
    baudrate: Literal[115200, 460800, "auto"] = setting(
        "auto", "module baud rate: 115200 on most boards, 460800 on some (hardware.md §1.3); 'auto' tries each"
    )
    rate_code: int = setting(4, "update-rate argument of `A5 25 xx` (0–4; 4 is 8 Hz on most boards)", min=0, max=4)
    offline_after_s: float = setting(3.0, "silence after which the sensor counts as offline, seconds", min=0.2, max=60)


ThermometerConfig = SimulatedThermometerConfig | GyMcu90614Config | GyMcu90640Config

DRIVERS = {
    "simulated": "hardware.thermometer.simulated:SimulatedThermometer",
    "gy-mcu90614": "hardware.thermometer.gy_mcu90614:GyMcu90614",
    "gy-mcu90640": "hardware.thermometer.gy_mcu90640:GyMcu90640",
}
"""Driver name → "module:Class"; only the chosen module is imported."""


def open_thermometer(config: ThermometerConfig, clock: Clock) -> Thermometer:
    """The thermometer the config names, opened lazily: a missing device shows up as DeviceUnavailable on read()."""
    from hardware.registry import load_driver

    return load_driver("thermometer", DRIVERS, config.driver)(config, clock)
