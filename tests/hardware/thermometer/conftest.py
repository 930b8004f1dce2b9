"""Helpers for driving a real serial driver against the pty simulator.

Waiting here is on file descriptors (select), never on the clock: the kernel moves bytes through a
pty asynchronously, and the timeout only bounds a broken run.
"""

from __future__ import annotations

import select
from typing import Protocol

from hardware.errors import DeviceUnavailable
from hardware.thermometer import Reading
from hardware.thermometer.pty_simulator import PtySimulator

IO_TIMEOUT_S = 5.0


class SerialDriver(Protocol):
    def read(self) -> Reading | None: ...

    def fileno(self) -> int: ...


def pump_until_reading(simulator: PtySimulator, driver: SerialDriver, now: float) -> Reading:
    """Let the simulator write what is due at `now`, then read until the driver decodes a frame."""
    simulator.pump(now)
    for _ in range(1000):
        if not select.select([driver.fileno()], [], [], IO_TIMEOUT_S)[0]:
            break
        reading = driver.read()
        if reading is not None:
            return reading
    raise AssertionError(f"no reading arrived from {simulator.link_path}")


def wait_for_commands(simulator: PtySimulator, count: int) -> list[bytes]:
    """The commands the simulated module has received, once at least `count` have arrived."""
    for _ in range(100):
        simulator.take_commands()
        if len(simulator.emulator.commands) >= count:
            break
        select.select([simulator.fileno()], [], [], IO_TIMEOUT_S)
    return simulator.emulator.commands


def read_until_unavailable(driver: SerialDriver) -> DeviceUnavailable:
    """Read until the driver notices its port is gone (the hang-up crosses the kernel asynchronously)."""
    for _ in range(100):
        select.select([driver.fileno()], [], [], IO_TIMEOUT_S)
        try:
            driver.read()
        except DeviceUnavailable as err:
            return err
    raise AssertionError("the driver never reported its port as unavailable")
