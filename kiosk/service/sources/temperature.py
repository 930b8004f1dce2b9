"""The temperature check: thermometer readings → estimator → outcome, measured only while a visit needs it.

The sensor is read on every loop turn (so an unplugged one is noticed at once and its buffer stays
drained), but readings feed the estimator only between the start of a visit and its verdict. An
offline sensor during a visit is reported as unavailable: the gate's policy then denies or calls
staff; it never lets a person through unmeasured.
"""

from __future__ import annotations

import logging

from hardware.camera import Frame
from hardware.clock import Clock
from hardware.errors import DeviceUnavailable
from hardware.thermometer import Thermometer, open_thermometer
from kiosk.config.schema import KioskConfig
from kiosk.gate.events import Outcome, Status
from kiosk.storage.storage import Storage
from kiosk.thermal.estimator import TemperatureEstimator
from kiosk.thermal.result import RefusalReason, TemperatureEstimate, TemperatureRefusal, TemperatureResult

logger = logging.getLogger(__name__)

RETRY_PROMPTS = {
    RefusalReason.TOO_FAR: "Please step closer to the thermometer.",
    RefusalReason.UNSTABLE: "Please hold still, measuring again.",
}


class TemperatureSource:
    checks = ("temperature",)
    needs_camera = False

    def __init__(self, thermometer: Thermometer, estimator: TemperatureEstimator, keep_values: bool) -> None:
        self._thermometer = thermometer
        self._estimator = estimator
        self._keep_values = keep_values
        self._measuring = False
        self._remeasured = False
        self._online = True

    def start_visit(self, holder_id: str | None) -> None:
        self._estimator.reset()
        self._measuring = True
        self._remeasured = False

    def poll(self, now: float, frame: Frame | None, listening: bool) -> list[tuple[str, Outcome]]:
        try:
            reading = self._thermometer.read()
        except DeviceUnavailable as err:
            if self._online:
                logger.warning("thermometer unavailable: %s", err)
                self._online = False
            if not self._measuring:
                return []
            self._measuring = False
            return [("temperature", _unavailable(str(err)))]
        if not self._online:
            logger.info("thermometer back online")
            self._online = True
        if not self._measuring or reading is None:
            return []
        result = self._estimator.add(reading)
        return [] if result is None else [("temperature", self._outcome(result))]

    def _outcome(self, result: TemperatureResult) -> Outcome:
        if isinstance(result, TemperatureRefusal):
            if result.reason in RETRY_PROMPTS:
                self._estimator.reset()  # measure again until the visit's own deadline
                return Outcome(Status.RETRY, f"temperature-{result.reason.value}", result.sentence, RETRY_PROMPTS[result.reason])
            self._measuring = False
            return _unavailable(result.sentence)
        if result.in_remeasure_band and not result.above_threshold and not self._remeasured:
            self._remeasured = True
            self._estimator.reset()
            return Outcome(Status.RETRY, "temperature-remeasure", f"{result.sentence}: in the re-measure band", "Please hold still, measuring again.")
        self._measuring = False
        return self._verdict(result)

    def _verdict(self, estimate: TemperatureEstimate) -> Outcome:
        value = estimate.body_c if self._keep_values else None
        if estimate.above_threshold:
            return Outcome(
                Status.FAILED,
                "temperature-high",
                estimate.sentence,
                "Your temperature is above the limit. Please see a member of staff.",
                above_threshold=True,
                value_c=value,
            )
        return Outcome(
            Status.PASSED,
            "temperature-ok",
            estimate.sentence,
            "Temperature checked.",
            above_threshold=False,
            value_c=value,
        )

    def close(self) -> None:
        self._thermometer.close()


def _unavailable(why: str) -> Outcome:
    return Outcome(Status.UNAVAILABLE, "temperature-unavailable", why, "The temperature check is unavailable.")


def build_temperature_source(config: KioskConfig, clock: Clock, storage: Storage) -> TemperatureSource:
    estimator = TemperatureEstimator(config.thermal)
    return TemperatureSource(open_thermometer(config.thermometer, clock), estimator, config.storage.record_temperature_values)
