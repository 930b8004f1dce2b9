"""From one subject's readings to a body-temperature estimate, or a refusal with its reason.

Per reading: calibrate, remove the room's reflection off skin (emissivity), and for an array find the
face and its hottest pixel. Then wait for a stable plateau (outliers dropped), and at the plateau
check the sensor, the room and the distance before turning the reference-site temperature into an
oral-equivalent body temperature with the skin-to-core step the config chooses (`core_model`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from hardware.thermometer import Reading
from kiosk.thermal.calibration import CALIBRATED_UNCERTAINTY_C, UNCALIBRATED_UNCERTAINTY_C, Calibration
from kiosk.thermal.config import ThermalConfig
from kiosk.thermal.core_model import Refusal
from kiosk.thermal.plateau import Plateau, find_plateau
from kiosk.thermal.result import RefusalReason, TemperatureEstimate, TemperatureRefusal, TemperatureResult
from kiosk.thermal.site import face_distance_m, find_face, remove_reflection
from kiosk.thermal.skin_to_core import FittedSkinToCore, OffsetSkinToCore, SkinToCore

OBJECT_RANGE_C = (-70.0, 380.0)
AMBIENT_RANGE_C = (-40.0, 125.0)
"""What an MLX90614 can report (hardware.md §1.1); anything outside is a broken frame or sensor."""
EMISSIVITY_SD = 0.005
"""Spread of skin emissivity around the configured value (0.97–0.99 at two standard deviations)."""


@dataclass(frozen=True)
class _Sample:
    taken_at: float
    object_c: float
    ambient_c: float
    room_c: float
    site_c: float
    distance_m: float | None
    pixels_c: np.ndarray | None


class TemperatureEstimator:
    """Feed it one subject's readings with `add`; call `reset` when the subject leaves.

    `add` returns None while waiting for a plateau, then a TemperatureEstimate or TemperatureRefusal,
    and the same result on later calls until `reset`. `distance_m` is the subject's distance when the
    caller knows it (camera face box, range sensor); an array sensor estimates it from the face width.
    Calibration comes from `calibration`, else from `config.calibration_file`, else none; the
    skin-to-core step from `skin_to_core`, else from `config.core_model`.
    """

    def __init__(
        self, config: ThermalConfig, calibration: Calibration | None = None, skin_to_core: SkinToCore | None = None
    ) -> None:
        if calibration is None and config.calibration_file is not None:
            calibration = Calibration.load(config.calibration_file)
        self.config = config
        self.calibration = calibration
        self.skin_to_core = skin_to_core or skin_to_core_for(config)
        self._samples: list[_Sample] = []
        self._started_at: float | None = None
        self._result: TemperatureResult | None = None

    def reset(self) -> None:
        self._samples = []
        self._started_at = None
        self._result = None

    def add(self, reading: Reading, distance_m: float | None = None) -> TemperatureResult | None:
        if self._result is not None:
            return self._result
        if self._started_at is None:
            self._started_at = reading.taken_at
        elapsed_s = reading.taken_at - self._started_at
        fault = _out_of_range(reading)
        if fault:
            self._result = TemperatureRefusal(RefusalReason.SENSOR_FAULT, fault, elapsed_s)
            return self._result
        self._samples.append(self._sample(reading, distance_m))
        keep_s = 2 * self.config.stability_window_s
        self._samples = [s for s in self._samples if reading.taken_at - s.taken_at <= keep_s]
        plateau = find_plateau(
            [s.taken_at for s in self._samples],
            [s.site_c for s in self._samples],
            self.config.stability_window_s,
            self.config.stability_tolerance_c,
        )
        if plateau is not None:
            self._result = self._conclude(plateau, elapsed_s)
        elif elapsed_s >= self.config.timeout_s:
            self._result = TemperatureRefusal(
                RefusalReason.UNSTABLE,
                f"temperature readings did not settle within {self.config.timeout_s:.1f} s "
                f"(expected {self.config.stability_window_s} s within {self.config.stability_tolerance_c} °C); please hold still",
                elapsed_s,
            )
        return self._result

    def _sample(self, reading: Reading, distance_m: float | None) -> _Sample:
        config = self.config
        room_c = self._room_c(reading.ambient_c)
        if reading.pixels_c is None:
            site_c = float(remove_reflection(self._calibrate(reading.object_c), room_c, config.emissivity))
            return _Sample(reading.taken_at, reading.object_c, reading.ambient_c, room_c, site_c, distance_m, None)
        pixels_c = np.asarray(self._calibrate(reading.pixels_c))
        face = find_face(pixels_c, room_c, config.min_skin_c)
        if distance_m is None:
            distance_m = face_distance_m(face.width_px, pixels_c.shape[1], config.array_fov_deg, config.face_width_m)
        site_c = float(remove_reflection(face.hottest_c, room_c, config.emissivity))
        return _Sample(reading.taken_at, reading.object_c, reading.ambient_c, room_c, site_c, distance_m, pixels_c)

    def _calibrate(self, measured_c: float | np.ndarray) -> float | np.ndarray:
        return measured_c if self.calibration is None else self.calibration.apply(measured_c)

    def _room_c(self, sensor_ambient_c: float) -> float:
        return sensor_ambient_c if self.calibration is None else self.calibration.room_c(sensor_ambient_c)

    def _conclude(self, plateau: Plateau, elapsed_s: float) -> TemperatureResult:
        config = self.config
        window = self._samples[plateau.inliers[0] :]
        kept = [self._samples[i] for i in plateau.inliers]
        if len({(s.object_c, s.ambient_c) for s in window}) == 1:
            return TemperatureRefusal(
                RefusalReason.SENSOR_FAULT,
                f"the thermometer repeated one value ({window[0].object_c:.2f} °C) {len(window)} times; a live sensor always varies",
                elapsed_s,
            )
        ambient_c = float(np.median([s.room_c for s in kept]))
        if not config.ambient_min_c <= ambient_c <= config.ambient_max_c:
            return TemperatureRefusal(
                RefusalReason.AMBIENT_OUT_OF_RANGE,
                f"room temperature {ambient_c:.1f} °C is outside {config.ambient_min_c}–{config.ambient_max_c} °C, "
                "where skin readings are not trustworthy",
                elapsed_s,
            )
        distances = [s.distance_m for s in kept if s.distance_m is not None]
        distance_m = float(np.median(distances)) if distances else None
        is_array = kept[0].pixels_c is not None
        max_distance_m = config.array_max_distance_m if is_array else config.max_distance_m
        if distance_m is not None and distance_m > max_distance_m:
            return TemperatureRefusal(
                RefusalReason.TOO_FAR,
                f"subject at {distance_m:.2f} m, farther than {max_distance_m:.2f} m; please step closer",
                elapsed_s,
            )
        site_c = self._site_c(kept) if is_array else plateau.mean_c
        if site_c < config.min_skin_c:
            return TemperatureRefusal(
                RefusalReason.TOO_FAR,
                f"reference site reads {site_c:.1f} °C, colder than skin ({config.min_skin_c} °C): face not filling the "
                "sensor's view; please step closer",
                elapsed_s,
            )
        site = config.array_site if is_array else "forehead"
        core = self.skin_to_core.estimate(site, site_c, ambient_c, plateau.sd_c / math.sqrt(len(kept)))
        if isinstance(core, Refusal):
            return TemperatureRefusal(RefusalReason.OUTSIDE_CORE_MODEL, f"{site} core model: {core.reason}", elapsed_s)
        sensor_u = math.hypot(
            CALIBRATED_UNCERTAINTY_C if self.calibration else UNCALIBRATED_UNCERTAINTY_C,
            EMISSIVITY_SD / config.emissivity * (site_c - ambient_c),
        )
        fever_from_c = self.skin_to_core.fever_from_c(site, config.threshold_c)
        return TemperatureEstimate(
            body_c=core.core_c,
            uncertainty_c=math.hypot(core.skin_slope * sensor_u, core.uncertainty_c),
            calibrated=self.calibration is not None,
            above_threshold=core.core_c >= fever_from_c,
            in_remeasure_band=fever_from_c - config.remeasure_band_c <= core.core_c < fever_from_c,
            threshold_c=config.threshold_c,
            fever_from_c=fever_from_c,
            site=site,
            site_c=site_c,
            ambient_c=ambient_c,
            distance_m=distance_m,
            elapsed_s=elapsed_s,
            core_model=core.model,
        )

    def _site_c(self, kept: list[_Sample]) -> float:
        """Array: the hottest pixel of the face in the plateau's mean image (averaging first keeps noise out of the max).

        The inner canthus is the reference site (IEC 80601-2-59) and the hottest part of a face."""
        mean_pixels = np.mean([s.pixels_c for s in kept], axis=0)
        ambient_c = float(np.median([s.room_c for s in kept]))
        face = find_face(mean_pixels, ambient_c, self.config.min_skin_c)
        return float(remove_reflection(face.hottest_c, ambient_c, self.config.emissivity))


def skin_to_core_for(config: ThermalConfig) -> SkinToCore:
    """The skin-to-core step `config.core_model` names, for the forehead (spot sensor) and `config.array_site`."""
    if config.core_model == "offset":
        return OffsetSkinToCore()
    return FittedSkinToCore.load(("forehead", config.array_site))


def _out_of_range(reading: Reading) -> str | None:
    if not OBJECT_RANGE_C[0] <= reading.object_c <= OBJECT_RANGE_C[1]:
        return f"thermometer reported {reading.object_c} °C, outside what the sensor can measure ({OBJECT_RANGE_C[0]}–{OBJECT_RANGE_C[1]} °C)"
    if not AMBIENT_RANGE_C[0] <= reading.ambient_c <= AMBIENT_RANGE_C[1]:
        return f"thermometer reported a die temperature of {reading.ambient_c} °C, outside {AMBIENT_RANGE_C[0]}–{AMBIENT_RANGE_C[1]} °C"
    return None
