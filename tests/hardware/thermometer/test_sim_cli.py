"""`kiosk sim thermometer` as a process: prints its pty path, the real driver reads it, stdin steers it."""

from __future__ import annotations

import select
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from hardware.thermometer import GyMcu90614Config, GyMcu90640Config, open_thermometer

from .conftest import IO_TIMEOUT_S, read_until_unavailable


@pytest.fixture
def simulator_process(tmp_path):
    def start(model: str) -> tuple[subprocess.Popen, str]:
        process = subprocess.Popen(
            [sys.executable, "-m", "kiosk", "sim", "thermometer", "--model", model, "--link", str(tmp_path / "ttyIR0")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        started.append(process)
        return process, process.stdout.readline().strip()

    started: list[subprocess.Popen] = []
    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait()
        process.stdout.close()
        process.stderr.close()
        process.stdin.close()


def _command(process: subprocess.Popen, line: str) -> str:
    process.stdin.write(line + "\n")
    process.stdin.flush()
    return process.stdout.readline().strip()


def _reading_above(thermometer, minimum_c: float):
    for _ in range(500):
        select.select([thermometer.fileno()], [], [], IO_TIMEOUT_S)
        reading = thermometer.read()
        if reading is not None and reading.object_c > minimum_c:
            return reading
    raise AssertionError(f"no reading above {minimum_c} °C")


@pytest.mark.parametrize("model, config", [("gy-mcu90614", GyMcu90614Config), ("gy-mcu90640", GyMcu90640Config)])
def test_driver_reads_the_simulator_process_and_sees_a_subject(simulator_process, clock, model, config):
    process, path = simulator_process(model)
    assert path.endswith("ttyIR0")
    thermometer = open_thermometer(config(port=path), clock)
    try:
        thermometer.read()
        assert _reading_above(thermometer, 15.0).object_c < 25.0
        assert _command(process, "arrive 35.5 0.1") == "ok arrive 35.5 0.1"
        assert _reading_above(thermometer, 33.0).object_c < 36.0
    finally:
        thermometer.close()
    assert _command(process, "quit") == "ok quit"
    assert process.wait(timeout=IO_TIMEOUT_S) == 0


def test_unplug_command_makes_the_driver_report_unavailable(simulator_process, clock):
    process, path = simulator_process("gy-mcu90614")
    thermometer = open_thermometer(GyMcu90614Config(port=path), clock)
    try:
        thermometer.read()
        _reading_above(thermometer, 15.0)
        assert _command(process, "unplug") == "ok unplug"
        assert "failed" in str(read_until_unavailable(thermometer))
    finally:
        thermometer.close()


def test_bad_command_is_answered_with_what_was_expected(simulator_process):
    process, _ = simulator_process("gy-mcu90614")
    assert _command(process, "arrive warm").startswith("error: 'arrive warm': 'warm' is not a number")
    assert _command(process, "stuck maybe") == "error: 'stuck maybe': 'maybe': expected 'on' or 'off'"
    assert "unknown command" in _command(process, "explode")


def test_sigterm_stops_the_simulator_and_removes_its_path(simulator_process):
    process, path = simulator_process("gy-mcu90614")
    assert Path(path).is_symlink()
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=IO_TIMEOUT_S) == 130
    assert not Path(path).exists()
