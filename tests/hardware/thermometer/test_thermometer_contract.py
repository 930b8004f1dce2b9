"""The Thermometer contract, for every implementation that runs here: the simulated source (both
modules) and the real serial drivers against the pty simulator (both modules)."""

from __future__ import annotations

from dataclasses import dataclass
from collections.abc import Callable

import numpy as np
import pytest

from hardware.errors import DeviceUnavailable
from hardware.thermometer import (
    GyMcu90614Config,
    GyMcu90640Config,
    Reading,
    SimulatedThermometerConfig,
    Thermometer,
    open_thermometer,
)
from hardware.thermometer import gy_mcu90640_protocol as array_protocol
from hardware.thermometer.emulator import GyMcu90614Emulator, GyMcu90640Emulator, Scene
from hardware.thermometer.physics import Room, SensorErrors, Subject
from hardware.thermometer.pty_simulator import PtySimulator

from .conftest import pump_until_reading, read_until_unavailable, wait_for_commands

ROOM_C = 21.0


@dataclass
class Rig:
    """A thermometer plus the hands that move its world: what `next_reading`, `arrive`, `unplug`, `replug` do."""

    thermometer: Thermometer
    next_reading: Callable[[], Reading]
    arrive: Callable[[float], None]
    unplug: Callable[[], None]
    replug: Callable[[], None]
    close: Callable[[], None]


def _simulated_rig(model: str, clock) -> Rig:
    thermometer = open_thermometer(SimulatedThermometerConfig(ambient_c=ROOM_C, model=model, rate_hz=8), clock)

    def next_reading() -> Reading:
        clock.advance(0.125)
        reading = thermometer.read()
        assert reading is not None
        return reading

    return Rig(
        thermometer,
        next_reading,
        lambda skin_c: thermometer.subject_arrives(skin_c, 0.1, approach_s=0.01),
        thermometer.unplug,
        thermometer.replug,
        thermometer.close,
    )


def _pty_rig(model: str, clock, tmp_path) -> Rig:
    rng = np.random.default_rng(0)
    scene = Scene(Room(ROOM_C, rng, drift_c_per_sqrt_s=0))
    errors = SensorErrors(noise_c=0.01)
    if model == "gy-mcu90614":
        emulator = GyMcu90614Emulator(scene, errors, rng)
        config = GyMcu90614Config(port=str(tmp_path / "ttyIR0"))
    else:
        emulator = GyMcu90640Emulator(scene, errors, rng)
        config = GyMcu90640Config(port=str(tmp_path / "ttyIR0"))
    simulator = PtySimulator(emulator, tmp_path / "ttyIR0")
    thermometer = open_thermometer(config, clock)
    assert thermometer.read() is None  # opens the port

    def next_reading() -> Reading:
        clock.advance(0.2)
        return pump_until_reading(simulator, thermometer, clock.monotonic())

    def unplug() -> None:
        simulator.unplug()
        read_until_unavailable(thermometer)

    def replug() -> None:
        simulator.replug()
        clock.advance(5.0)  # past any back-off
        assert thermometer.read() is None

    def arrive(skin_c: float) -> None:
        scene.subject_arrives(Subject(site_c=skin_c, distance_m=0.1, arrived_at=clock.monotonic(), approach_s=0.01))

    def close() -> None:
        thermometer.close()
        simulator.close()

    return Rig(thermometer, next_reading, arrive, unplug, replug, close)


IMPLEMENTATIONS = ["simulated gy-mcu90614", "simulated gy-mcu90640", "pty gy-mcu90614", "pty gy-mcu90640"]


@pytest.fixture(params=IMPLEMENTATIONS)
def rig(request, clock, tmp_path):
    kind, model = request.param.split()
    rig = _simulated_rig(model, clock) if kind == "simulated" else _pty_rig(model, clock, tmp_path)
    yield rig
    rig.close()


def test_readings_show_the_room_and_are_stamped_with_the_clock(rig, clock):
    reading = rig.next_reading()
    assert reading.object_c == pytest.approx(ROOM_C, abs=1.0)
    assert reading.ambient_c == pytest.approx(ROOM_C, abs=1.0)
    assert reading.taken_at == clock.monotonic()


def test_array_readings_carry_the_image_and_its_hottest_pixel(rig):
    reading = rig.next_reading()
    if reading.pixels_c is not None:
        assert reading.pixels_c.shape == (array_protocol.ROWS, array_protocol.COLUMNS)
        assert reading.object_c == reading.pixels_c.max()


def test_a_warm_subject_reads_warmer(rig):
    rig.arrive(35.0)
    rig.next_reading()
    assert rig.next_reading().object_c > 33.0


def test_unplugged_sensor_raises_device_unavailable_then_recovers(rig):
    rig.next_reading()
    rig.unplug()
    with pytest.raises(DeviceUnavailable):
        rig.thermometer.read()
    rig.replug()
    assert rig.next_reading().object_c == pytest.approx(ROOM_C, abs=1.0)


def test_no_new_reading_is_none_for_the_simulated_source(clock):
    thermometer = open_thermometer(SimulatedThermometerConfig(), clock)
    assert thermometer.read() is not None
    assert thermometer.read() is None


def test_array_driver_sets_rate_then_continuous_output(clock, tmp_path):
    rng = np.random.default_rng(0)
    simulator = PtySimulator(GyMcu90640Emulator(Scene(Room(ROOM_C, rng)), SensorErrors(), rng), tmp_path / "ttyIR0")
    thermometer = open_thermometer(GyMcu90640Config(port=str(tmp_path / "ttyIR0"), rate_code=3), clock)
    try:
        thermometer.read()
        assert wait_for_commands(simulator, 2) == [
            array_protocol.command(array_protocol.CMD_RATE, 3),
            array_protocol.command(array_protocol.CMD_MODE, array_protocol.MODE_CONTINUOUS),
        ]
        assert simulator.emulator.rate_hz == array_protocol.RATE_HZ[3]
    finally:
        thermometer.close()
        simulator.close()
