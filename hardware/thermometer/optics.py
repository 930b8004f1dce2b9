"""Geometry of an infrared sensor's field of view: how much of it a target fills at a distance."""

from __future__ import annotations

import math

KELVIN = 273.15


def spot_fill_fraction(distance_m: float, fov_deg: float, target_diameter_m: float) -> float:
    """Share of a single-pixel sensor's circular field of view covered by a round target (0–1).

    The spot's diameter grows as 2·d·tan(fov/2); once it is wider than the target, the rest of the
    spot sees the background, which is why a small forehead far away reads low.
    """
    if distance_m <= 0:
        raise ValueError(f"distance_m = {distance_m}: expected a positive distance in metres")
    spot_radius_m = distance_m * math.tan(math.radians(fov_deg) / 2)
    return min(1.0, (target_diameter_m / 2 / spot_radius_m) ** 2)


def full_fill_distance_m(fov_deg: float, target_diameter_m: float) -> float:
    """The farthest distance at which the target still fills the whole field of view."""
    return target_diameter_m / 2 / math.tan(math.radians(fov_deg) / 2)


def blend_radiance(weights_and_temps_c: list[tuple[float, float]]) -> float:
    """The temperature a broadband sensor reports for a mix of surfaces (Stefan–Boltzmann, weights sum to 1)."""
    total = sum(weight * (temp_c + KELVIN) ** 4 for weight, temp_c in weights_and_temps_c)
    return total**0.25 - KELVIN
