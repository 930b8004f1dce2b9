"""What an infrared sensor in front of a gate sees: a drifting room, an arriving subject, optics and sensor errors.

Used by the simulators only. Every number here is an assumption documented in the README's
"Thermal sensing" section, with the datasheet figure it stands for.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from hardware.thermometer.optics import KELVIN, blend_radiance, spot_fill_fraction


@dataclass(frozen=True)
class Subject:
    """A person in front of the sensor.

    `site_c` is the steady skin temperature at the reference site (forehead centre for a spot sensor,
    inner canthus for an array). Skin fresh from outside is `cold_deficit_c` lower and recovers with
    `recovery_s`; the person walks in from `approach_from_m` to `distance_m` in `approach_s`.
    """

    site_c: float
    distance_m: float
    arrived_at: float
    emissivity: float = 0.98
    cold_deficit_c: float = 0.0
    recovery_s: float = 120.0
    approach_from_m: float = 1.0
    approach_s: float = 0.4

    def site_at(self, now: float) -> float:
        elapsed = max(0.0, now - self.arrived_at)
        return self.site_c - self.cold_deficit_c * math.exp(-elapsed / self.recovery_s)

    def distance_at(self, now: float) -> float:
        progress = min(1.0, max(0.0, now - self.arrived_at) / self.approach_s)
        return self.approach_from_m + (self.distance_m - self.approach_from_m) * progress


class Room:
    """Air and wall temperature: a seeded random walk (`drift_c_per_sqrt_s`) around a start value."""

    def __init__(self, ambient_c: float, rng: np.random.Generator, drift_c_per_sqrt_s: float = 0.01) -> None:
        self._ambient_c = ambient_c
        self._rng = rng
        self._drift = drift_c_per_sqrt_s
        self._at: float | None = None

    def ambient_at(self, now: float) -> float:
        if self._at is not None and now > self._at:
            self._ambient_c += self._rng.normal(0.0, self._drift * math.sqrt(now - self._at))
        self._at = now if self._at is None else max(self._at, now)
        return self._ambient_c

    def set_ambient(self, ambient_c: float) -> None:
        self._ambient_c = ambient_c


@dataclass(frozen=True)
class SensorErrors:
    """One unit's errors: a gain and offset fixed at manufacture, white noise and quantisation per reading.

    `ambient_bias_c` is how much warmer the sensor die sits than the room (self-heating in its enclosure);
    `die_coefficient` adds that many °C of object error per °C the die is away from 25 °C, so a
    calibration made at one room temperature drifts when the room changes.
    """

    gain: float = 1.0
    offset_c: float = 0.0
    noise_c: float = 0.05
    resolution_c: float = 0.02
    ambient_bias_c: float = 0.3
    ambient_noise_c: float = 0.02
    die_coefficient: float = 0.0

    @classmethod
    def drawn(cls, rng: np.random.Generator, noise_c: float) -> SensorErrors:
        """A unit drawn from the spread the datasheet allows (±0.5 °C over 0–50 °C): offset σ 0.2 °C,
        gain σ 0.5 %, die-temperature coefficient σ 0.02 °C/°C."""
        return cls(
            gain=1.0 + rng.normal(0.0, 0.005),
            offset_c=rng.normal(0.0, 0.2),
            noise_c=noise_c,
            die_coefficient=rng.normal(0.0, 0.02),
        )

    def measure(self, true_c: np.ndarray | float, room_c: float, rng: np.random.Generator) -> np.ndarray | float:
        """The object reading for a true apparent temperature, with the die at `room_c` + `ambient_bias_c`."""
        drift_c = self.die_coefficient * (room_c + self.ambient_bias_c - 25.0)
        noisy = self.gain * np.asarray(true_c) + self.offset_c + drift_c + rng.normal(0.0, self.noise_c, np.shape(true_c))
        quantised = np.round(noisy / self.resolution_c) * self.resolution_c
        return float(quantised) if np.ndim(quantised) == 0 else quantised

    def measure_ambient(self, room_c: float, rng: np.random.Generator) -> float:
        return round(room_c + self.ambient_bias_c + rng.normal(0.0, self.ambient_noise_c), 2)


def spot_scene_c(subject: Subject | None, room_c: float, now: float, fov_deg: float, target_diameter_m: float) -> float:
    """True apparent temperature in a single-pixel field of view (sensor emissivity 1, as shipped).

    Skin reflects (1 − ε) of the room; the part of the spot not on the forehead sees the room's walls.
    """
    if subject is None:
        return room_c
    fill = spot_fill_fraction(subject.distance_at(now), fov_deg, target_diameter_m)
    skin = blend_radiance([(subject.emissivity, subject.site_at(now)), (1 - subject.emissivity, room_c)])
    return blend_radiance([(fill, skin), (1 - fill, room_c)])


@dataclass(frozen=True)
class FaceLayout:
    """A face as an array sensor sees it: an ellipse a little cooler than the two inner canthi."""

    width_m: float = 0.15
    height_m: float = 0.20
    canthus_radius_m: float = 0.008
    canthus_offset_m: tuple[float, float] = (0.016, 0.02)
    face_below_site_c: float = 1.2


def array_scene_c(
    subject: Subject | None,
    room_c: float,
    now: float,
    shape: tuple[int, int],
    fov_deg: tuple[float, float],
    face: FaceLayout = FaceLayout(),
    supersample: int = 4,
) -> np.ndarray:
    """True apparent temperature per pixel (rows × columns), each pixel averaging radiance over its footprint."""
    rows, columns = shape
    if subject is None:
        return np.full(shape, room_c)
    distance_m = subject.distance_at(now)
    half_w = distance_m * math.tan(math.radians(fov_deg[0]) / 2)
    half_h = distance_m * math.tan(math.radians(fov_deg[1]) / 2)
    xs = (np.arange(columns * supersample) + 0.5) / (columns * supersample) * 2 * half_w - half_w
    ys = (np.arange(rows * supersample) + 0.5) / (rows * supersample) * 2 * half_h - half_h
    x, y = np.meshgrid(xs, -ys)
    site_c = subject.site_at(now)
    on_face = (x / (face.width_m / 2)) ** 2 + (y / (face.height_m / 2)) ** 2 <= 1
    dx, dy = face.canthus_offset_m
    on_canthus = ((np.abs(x) - dx) ** 2 + (y - dy) ** 2) <= face.canthus_radius_m**2
    skin_c = np.where(on_canthus, site_c, site_c - face.face_below_site_c)
    skin_k4 = subject.emissivity * (skin_c + KELVIN) ** 4 + (1 - subject.emissivity) * (room_c + KELVIN) ** 4
    radiance = np.where(on_face, skin_k4, (room_c + KELVIN) ** 4)
    pixels = radiance.reshape(rows, supersample, columns, supersample).mean(axis=(1, 3))
    return pixels**0.25 - KELVIN
