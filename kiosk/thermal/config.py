"""The `[thermal]` config section: fever threshold, skin-to-core model, calibration file and the estimator's tolerances.

Whether temperature values are stored is a storage setting (`storage.record_temperature_values`), not this one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from hardware.settings import setting
from hardware.thermometer.optics import full_fill_distance_m


@dataclass(frozen=True)
class ThermalConfig:
    threshold_c: float = setting(
        37.5,
        "fever threshold, oral-equivalent °C (issue 9's fever definition: oral ≥ 37.5; the fitted model calls fever from "
        "its tuned margin below it)",
        min=35,
        max=42,
    )
    remeasure_band_c: float = setting(
        0.1,
        "estimates this far below the point where fever is called ask for a second measurement, °C (about two "
        "standard errors of the sensing chain in oral-equivalent terms: wider bands re-measure many healthy people)",
        min=0,
        max=2,
    )
    core_model: Literal["fitted", "offset"] = setting(
        "fitted", "skin-to-core step: the core model shipped for the site ('kiosk thermal fit'), or the plain offset model"
    )
    array_site: Literal["upper-face", "canthi"] = setting(
        "upper-face", "which fitted model an array sensor's hottest face pixel feeds: upper-face (above a mask) or canthi"
    )
    calibration_file: Path | None = setting(None, "two-point calibration written by 'kiosk thermal calibrate'; unset = uncalibrated")
    stability_window_s: float = setting(0.3, "readings must agree over this long before an estimate, seconds", min=0.05, max=10)
    stability_tolerance_c: float = setting(0.25, "largest spread of a stable window after outliers are dropped, °C", min=0.02, max=2)
    timeout_s: float = setting(5.0, "no stable plateau this long after the first reading: refuse as unstable, seconds", min=0.5, max=60)
    emissivity: float = setting(0.98, "skin emissivity used to remove reflected room radiation (hardware.md §0: 0.98)", min=0.9, max=1)
    spot_fov_deg: float = setting(10.0, "single-pixel sensor's field of view, degrees (MLX90614xCF: 10)", min=1, max=120)
    forehead_diameter_m: float = setting(0.06, "diameter of the evenly warm forehead patch a spot sensor must be filled by, metres", min=0.02, max=0.15)
    max_distance_m: float = setting(0.30, "farther than this the subject is asked to step closer, metres", min=0.02, max=3)
    array_fov_deg: float = setting(55.0, "array sensor's horizontal field of view, degrees (MLX90640 D55: 55)", min=10, max=120)
    face_width_m: float = setting(0.15, "typical face width, for the distance an array sensor sees a face at, metres", min=0.08, max=0.25)
    array_max_distance_m: float = setting(0.5, "array sensor: farther than this the subject is asked to step closer, metres", min=0.1, max=5)
    ambient_min_c: float = setting(15.0, "below this room temperature readings are refused, °C (ISO checklist: 18)", min=-20, max=40)
    ambient_max_c: float = setting(32.0, "above this room temperature readings are refused, °C (ISO checklist: 24)", min=0, max=60)
    min_skin_c: float = setting(30.0, "a reference site reading colder than this is not a face in full view, °C", min=20, max=36)

    def validate(self) -> list[str]:
        problems = []
        if self.ambient_min_c >= self.ambient_max_c:
            problems.append(f"ambient_min_c = {self.ambient_min_c}, ambient_max_c = {self.ambient_max_c}: expected min below max")
        if self.core_model == "offset" and self.array_site != "canthi":
            problems.append(f"array_site = {self.array_site!r}: the offset core model knows only 'canthi' for an array")
        full_fill = full_fill_distance_m(self.spot_fov_deg, self.forehead_diameter_m)
        if self.max_distance_m > full_fill:
            problems.append(
                f"max_distance_m = {self.max_distance_m}: expected at most {full_fill:.2f} m, where a "
                f"{self.forehead_diameter_m} m forehead still fills a {self.spot_fov_deg}° field of view"
            )
        return problems
