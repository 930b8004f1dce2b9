"""The GY-MCU90614 driver against the pty simulator: streaming, query mode and every fault."""

from __future__ import annotations

import numpy as np
import pytest

from hardware.errors import DeviceUnavailable
from hardware.thermometer import GyMcu90614Config
from hardware.thermometer import gy_mcu90614_protocol as protocol
from hardware.thermometer.emulator import GyMcu90614Emulator, Scene
from hardware.thermometer.gy_mcu90614 import GyMcu90614
from hardware.thermometer.physics import Room, SensorErrors
from hardware.thermometer.pty_simulator import PtySimulator

from .conftest import pump_until_reading, read_until_unavailable, wait_for_commands

ROOM_C = 22.0


@pytest.fixture
def simulator(tmp_path):
    rng = np.random.default_rng(1)
    emulator = GyMcu90614Emulator(Scene(Room(ROOM_C, rng, drift_c_per_sqrt_s=0)), SensorErrors(noise_c=0.01), rng)
    simulator = PtySimulator(emulator, tmp_path / "ttyIR0")
    yield simulator
    simulator.close()


def _driver(simulator, clock, **settings) -> GyMcu90614:
    """A driver with its port open (the first read opens it; pyserial discards what arrived before)."""
    driver = GyMcu90614(GyMcu90614Config(port=str(simulator.link_path), **settings), clock)
    assert driver.read() is None
    return driver


def _next(simulator, driver, clock):
    clock.advance(0.1)
    return pump_until_reading(simulator, driver, clock.monotonic())


def test_opening_starts_the_stream_with_the_continuous_command(simulator, clock):
    _driver(simulator, clock)
    assert wait_for_commands(simulator, 1) == [protocol.command(protocol.CMD_CONTINUOUS)]


def test_streamed_frames_become_readings_of_the_room(simulator, clock):
    driver = _driver(simulator, clock)
    reading = _next(simulator, driver, clock)
    assert reading.object_c == pytest.approx(ROOM_C, abs=0.1)
    assert reading.ambient_c == pytest.approx(ROOM_C + SensorErrors().ambient_bias_c, abs=0.1)
    assert reading.taken_at == clock.monotonic()


def test_subject_in_front_reads_warmer(simulator, clock):
    driver = _driver(simulator, clock)
    simulator.emulator.scene.subject_arrives(_subject(at=clock.monotonic()))
    clock.advance(1.0)
    assert _next(simulator, driver, clock).object_c > 33.0


def test_query_mode_asks_for_each_frame(simulator, clock):
    driver = _driver(simulator, clock, mode="query")
    assert wait_for_commands(simulator, 1) == [protocol.command(protocol.CMD_QUERY)]
    assert not simulator.emulator.continuous
    reading = pump_until_reading(simulator, driver, clock.monotonic())
    assert reading.object_c == pytest.approx(ROOM_C, abs=0.1)


def test_garbage_is_skipped(simulator, clock):
    driver = _driver(simulator, clock)
    simulator.faults.inject_garbage(200)
    assert _next(simulator, driver, clock).object_c == pytest.approx(ROOM_C, abs=0.1)
    assert driver.decoder.discarded_bytes > 0


def test_dropped_bytes_lose_one_frame_only(simulator, clock):
    driver = _driver(simulator, clock)
    _next(simulator, driver, clock)
    frames_before = driver.decoder.frames
    simulator.faults.drop_bytes(3)
    clock.advance(0.3)  # four frames due; the first is torn
    pump_until_reading(simulator, driver, clock.monotonic())
    for _ in range(5):
        driver.read()
    assert driver.decoder.frames == frames_before + 3


def test_bad_checksum_is_rejected_and_counted(simulator, clock):
    driver = _driver(simulator, clock)
    _next(simulator, driver, clock)
    simulator.faults.corrupt_checksum()
    clock.advance(0.05)
    simulator.pump(clock.monotonic())
    _next(simulator, driver, clock)
    assert driver.decoder.bad_checksums == 1


def test_stuck_module_repeats_one_frame(simulator, clock):
    driver = _driver(simulator, clock)
    simulator.faults.stuck = True
    first = _next(simulator, driver, clock)
    second = _next(simulator, driver, clock)
    assert (first.object_c, first.ambient_c) == (second.object_c, second.ambient_c)


def test_silence_reports_unavailable_and_resends_the_start_command(simulator, clock):
    driver = _driver(simulator, clock)
    _next(simulator, driver, clock)
    simulator.silent = True
    clock.advance(2.5)
    simulator.pump(clock.monotonic())
    with pytest.raises(DeviceUnavailable, match="no frame for 2.5 s"):
        driver.read()
    assert wait_for_commands(simulator, 2)[-1] == protocol.command(protocol.CMD_CONTINUOUS)
    simulator.silent = False
    assert _next(simulator, driver, clock).object_c == pytest.approx(ROOM_C, abs=0.1)


def test_unplug_reports_unavailable_and_replug_reconnects_after_backoff(simulator, clock):
    driver = _driver(simulator, clock)
    _next(simulator, driver, clock)
    simulator.unplug()
    assert "failed" in str(read_until_unavailable(driver))
    with pytest.raises(DeviceUnavailable, match="next attempt in 0.2 s"):
        driver.read()
    clock.advance(0.2)
    with pytest.raises(DeviceUnavailable, match="ttyIR0.*retrying in 0.4 s"):
        driver.read()
    simulator.replug()
    clock.advance(0.4)
    assert driver.read() is None
    assert wait_for_commands(simulator, 2)[-1] == protocol.command(protocol.CMD_CONTINUOUS)
    assert _next(simulator, driver, clock).object_c == pytest.approx(ROOM_C, abs=0.1)


def test_missing_port_names_it_and_what_was_expected(clock, tmp_path):
    driver = GyMcu90614(GyMcu90614Config(port=str(tmp_path / "ttyS9")), clock)
    with pytest.raises(DeviceUnavailable, match=r"ttyS9.*expected a serial device or a URL such as loop://"):
        driver.read()


def test_loopback_url_echoes_the_start_command_which_is_not_a_frame(clock):
    driver = GyMcu90614(GyMcu90614Config(port="loop://"), clock)
    assert driver.read() is None
    assert driver.read() is None
    assert driver.decoder.frames == 0


def _subject(at: float):
    from hardware.thermometer.physics import Subject

    return Subject(site_c=35.0, distance_m=0.1, arrived_at=at)


def test_auto_baud_moves_to_the_next_rate_when_nothing_was_ever_heard(simulator, clock):
    simulator.silent = True
    driver = _driver(simulator, clock, baudrate="auto")
    clock.advance(2.5)
    with pytest.raises(DeviceUnavailable, match="no frame at 9600 baud for 2.5 s; trying 115200 baud"):
        driver.read()
    simulator.silent = False
    assert driver.read() is None  # reopens at 115200 and starts the stream again
    assert _next(simulator, driver, clock).object_c == pytest.approx(ROOM_C, abs=0.1)
    clock.advance(2.5)
    simulator.silent = True
    with pytest.raises(DeviceUnavailable, match="no frame for 2.5 s"):
        driver.read()  # once heard, silence means offline, not a wrong rate
