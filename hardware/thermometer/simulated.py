"""The simulated thermometer (`driver = "simulated"`): an emulated module whose bytes go through the real decoder.

No serial port is involved, but everything after the port is the same code as on hardware: the
emulator writes GY-MCU90614 (or GY-MCU90640) frames, faults can corrupt them, the real frame decoder
reads them back. Time comes from the injected clock, so a ManualClock gives a deterministic run.
"""

from __future__ import annotations

import numpy as np

from hardware.clock import Clock
from hardware.errors import DeviceUnavailable
from hardware.thermometer import Reading, SimulatedThermometerConfig
from hardware.thermometer import gy_mcu90614_protocol as spot_protocol
from hardware.thermometer import gy_mcu90640_protocol as array_protocol
from hardware.thermometer.emulator import GyMcu90614Emulator, GyMcu90640Emulator, Scene, SpotOpticsConfig
from hardware.thermometer.faults import FaultInjector
from hardware.thermometer.physics import Room, SensorErrors, Subject


class SimulatedThermometer:
    """A thermometer in front of a simulated gate. Scenario methods move people and pull the plug.

    `errors` fixes the unit's gain/offset/noise; by default one is drawn from the datasheet's spread,
    so an uncalibrated simulated unit is off by a few tenths of a degree, like a real one.
    """

    def __init__(
        self, config: SimulatedThermometerConfig, clock: Clock, seed: int = 0, errors: SensorErrors | None = None
    ) -> None:
        rng = np.random.default_rng(seed)
        self._clock = clock
        self.scene = Scene(Room(config.ambient_c, rng))
        self.errors = errors or SensorErrors.drawn(rng, config.noise_c)
        self.emulator: GyMcu90614Emulator | GyMcu90640Emulator
        self.decoder: spot_protocol.FrameDecoder | array_protocol.FrameDecoder
        if config.model == "gy-mcu90614":
            optics = SpotOpticsConfig(fov_deg=config.fov_deg)
            self.emulator = GyMcu90614Emulator(self.scene, self.errors, rng, config.rate_hz, optics)
            self.decoder = spot_protocol.FrameDecoder()
        else:
            self.emulator = GyMcu90640Emulator(self.scene, self.errors, rng, config.rate_hz)
            self.decoder = array_protocol.FrameDecoder()
        self.faults = FaultInjector(self.emulator.frame_size, rng)
        self._is_plugged = True

    def subject_arrives(
        self,
        skin_c: float,
        distance_m: float = 0.3,
        *,
        emissivity: float = 0.98,
        cold_deficit_c: float = 0.0,
        approach_s: float = 0.4,
    ) -> Subject:
        """A person walks up to `distance_m`; `skin_c` is their steady skin temperature at the reference site."""
        subject = Subject(
            site_c=skin_c,
            distance_m=distance_m,
            arrived_at=self._clock.monotonic(),
            emissivity=emissivity,
            cold_deficit_c=cold_deficit_c,
            approach_s=approach_s,
        )
        self.scene.subject_arrives(subject)
        return subject

    def subject_leaves(self) -> None:
        self.scene.subject_leaves()

    def hold_reference(self, temperature_c: float | None) -> None:
        """A blackbody at `temperature_c` fills the field of view, as during calibration (None: removed)."""
        self.scene.hold_reference(temperature_c)

    def set_ambient(self, ambient_c: float) -> None:
        self.scene.room.set_ambient(ambient_c)

    def unplug(self) -> None:
        self._is_plugged = False

    def replug(self) -> None:
        self._is_plugged = True

    def read(self) -> Reading | None:
        """The newest reading since the last call, None if none is due; DeviceUnavailable while unplugged."""
        if not self._is_plugged:
            raise DeviceUnavailable("simulated thermometer is unplugged (call replug() to reconnect it)")
        now = self._clock.monotonic()
        samples = self.decoder.feed(self.faults.apply(self.emulator.poll(now)))
        return samples[-1].reading(now) if samples else None

    def close(self) -> None:
        self._is_plugged = False
