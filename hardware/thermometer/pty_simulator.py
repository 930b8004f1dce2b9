"""A simulated serial thermometer on a pseudo-terminal, so the real driver runs against it unmodified.

The pty's slave end is reached through a stable symlink (like /dev/serial0 on a Pi), so an unplug
(the node disappears and the driver's reads fail) followed by a replug (a new pty behind the same
path) looks to the driver exactly like a USB adapter pulled and pushed back in.
"""

from __future__ import annotations

import os
import tty
from pathlib import Path

import numpy as np

from hardware.errors import DeviceUnavailable
from hardware.thermometer.emulator import GyMcu90614Emulator, GyMcu90640Emulator
from hardware.thermometer.faults import FaultInjector

Emulator = GyMcu90614Emulator | GyMcu90640Emulator


class PtySimulator:
    """Writes an emulator's frames to a pty at `link_path`, feeds it the host's commands, and injects faults.

    Call `pump(now)` whenever time has passed (the CLI does it in a loop; tests call it directly).
    Byte faults go through `faults`; `silent` (the module stops talking, the port stays) lasts until cleared.
    """

    def __init__(self, emulator: Emulator, link_path: Path, seed: int = 0) -> None:
        self.emulator = emulator
        self.link_path = Path(link_path)
        self.faults = FaultInjector(emulator.frame_size, np.random.default_rng(seed))
        self.silent = False
        self._master: int | None = None
        self._slave: int | None = None
        self.replug()

    @property
    def is_plugged(self) -> bool:
        return self._master is not None

    def fileno(self) -> int:
        """The master end, for a selector waiting on the host's commands."""
        if self._master is None:
            raise DeviceUnavailable(f"simulated thermometer at {self.link_path} is unplugged")
        return self._master

    def replug(self) -> None:
        """Create a fresh pty and point `link_path` at it (no-op when already plugged)."""
        if self._master is not None:
            return
        master, slave = os.openpty()
        tty.setraw(slave)
        os.set_blocking(master, False)
        temporary = self.link_path.with_name(self.link_path.name + ".new")
        temporary.unlink(missing_ok=True)
        temporary.symlink_to(os.ttyname(slave))
        os.replace(temporary, self.link_path)
        self._master, self._slave = master, slave

    def unplug(self) -> None:
        """Close the pty and remove the path: the driver's reads fail and reopening fails until `replug()`."""
        for fd in (self._master, self._slave):
            if fd is not None:
                os.close(fd)
        self._master = self._slave = None
        self.link_path.unlink(missing_ok=True)

    def close(self) -> None:
        self.unplug()

    def pump(self, now: float) -> None:
        """Act on the host's commands and write every frame due up to `now`."""
        if self._master is None:
            return
        self.take_commands()
        data = self.emulator.poll(now)
        if data and not self.silent:
            self._write(self.faults.apply(data))

    def take_commands(self) -> None:
        """Hand whatever the host has written to the emulator."""
        if self._master is None:
            return
        try:
            self.emulator.receive(os.read(self._master, 4096))
        except BlockingIOError:
            pass

    def _write(self, data: bytes) -> None:
        """Write what the pty accepts; with no reader the rest is lost, as on a real UART."""
        view = memoryview(data)
        while view and self._master is not None:
            try:
                view = view[os.write(self._master, view) :]
            except BlockingIOError:
                return
