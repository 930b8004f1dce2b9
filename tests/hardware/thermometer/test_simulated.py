"""The simulated source: its frames go through the real decoder, faults included; scenario methods work."""

from __future__ import annotations

import pytest

from hardware.errors import DeviceUnavailable
from hardware.thermometer import SimulatedThermometerConfig
from hardware.thermometer.physics import SensorErrors
from hardware.thermometer.simulated import SimulatedThermometer

EXACT = SensorErrors(noise_c=0.0, ambient_bias_c=0.0, ambient_noise_c=0.0)


def _thermometer(clock, **settings) -> SimulatedThermometer:
    return SimulatedThermometer(SimulatedThermometerConfig(**settings), clock, seed=1)


def test_reads_at_the_configured_rate(clock):
    thermometer = _thermometer(clock, rate_hz=10)
    readings = []
    for _ in range(20):
        clock.advance(0.05)
        readings.append(thermometer.read())
    assert sum(r is not None for r in readings) == 10


def test_unit_errors_come_from_the_seed(clock):
    first = _thermometer(clock).errors
    assert first == _thermometer(clock).errors
    assert first != SimulatedThermometer(SimulatedThermometerConfig(), clock, seed=2).errors


def test_exact_unit_reads_a_blackbody_exactly(clock):
    thermometer = SimulatedThermometer(SimulatedThermometerConfig(ambient_c=20.0), clock, errors=EXACT)
    thermometer.hold_reference(35.0)
    assert thermometer.read().object_c == 35.0


def test_subject_arrival_and_departure(clock):
    thermometer = _thermometer(clock, ambient_c=20.0)
    subject = thermometer.subject_arrives(34.5, 0.15, approach_s=0.2)
    assert subject.arrived_at == clock.monotonic()
    clock.advance(1.0)
    assert thermometer.read().object_c > 33.5
    thermometer.subject_leaves()
    clock.advance(0.2)
    assert thermometer.read().object_c < 21.0


def test_unplugged_raises_until_replugged(clock):
    thermometer = _thermometer(clock)
    thermometer.unplug()
    with pytest.raises(DeviceUnavailable, match="unplugged"):
        thermometer.read()
    thermometer.replug()
    clock.advance(0.2)
    assert thermometer.read() is not None


def test_corrupt_frames_are_dropped_by_the_decoder(clock):
    thermometer = _thermometer(clock, rate_hz=10)
    thermometer.read()
    thermometer.faults.corrupt_checksum()
    thermometer.faults.inject_garbage(30)
    clock.advance(0.1)
    assert thermometer.read() is None
    assert thermometer.decoder.bad_checksums >= 1
    clock.advance(0.1)
    assert thermometer.read() is not None


def test_stuck_module_repeats_its_value(clock):
    thermometer = _thermometer(clock, rate_hz=10)
    thermometer.faults.stuck = True
    values = set()
    for _ in range(5):
        clock.advance(0.1)
        reading = thermometer.read()
        values.add((reading.object_c, reading.ambient_c))
    assert len(values) == 1


def test_array_model_gives_images(clock):
    thermometer = _thermometer(clock, model="gy-mcu90640")
    reading = thermometer.read()
    assert reading.pixels_c.shape == (24, 32)
