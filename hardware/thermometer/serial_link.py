"""A serial port that notices when its module goes away and reconnects with back-off, without ever blocking.

States, all driven by the `now` the caller's clock gives:
- closed: the port could not be opened (or failed); reopen attempts follow the back-off schedule;
- open and talking: frames arrive;
- open and silent: no frame for `offline_after_s` (or 3 frame intervals, if the module is slower);
  the start command is re-sent on the back-off schedule (hardware.md §1.1: the STM32 driver re-sends
  every 200 ms) and reads raise DeviceUnavailable until frames come back;
- open and never heard: with several candidate baud rates, silence since opening moves on to the
  next rate (boards ship at different rates, hardware.md §1.3).
"""

from __future__ import annotations

import logging

import serial

from hardware.clock import Clock
from hardware.errors import DeviceUnavailable
from hardware.thermometer.backoff import Backoff

logger = logging.getLogger(__name__)

WRITE_TIMEOUT_S = 0.1
"""Commands are 3–8 bytes, so a write only waits this long if the UART is wedged (pyserial's loop:// needs > 0)."""


class SerialLink:
    """Opens `url` with `serial.serial_for_url` (a device path, a pty, `loop://`, `spy://…`) and keeps it alive."""

    def __init__(
        self,
        url: str,
        baudrates: tuple[int, ...],
        clock: Clock,
        start_commands: bytes,
        offline_after_s: float = 2.0,
        backoff: Backoff | None = None,
    ) -> None:
        if not baudrates:
            raise ValueError(f"thermometer port {url!r}: expected at least one baud rate")
        self.url = url
        self.baudrates = baudrates
        self.frame_interval_s: float | None = None
        self._clock = clock
        self._start_commands = start_commands
        self._offline_after_s = offline_after_s
        self._backoff = backoff or Backoff()
        self._port: serial.SerialBase | None = None
        self._baud_index = 0
        self._last_frame_at = 0.0
        self._is_silent = False
        self._has_talked = False

    @property
    def baudrate(self) -> int:
        return self.baudrates[self._baud_index]

    def fileno(self) -> int:
        """The port's file descriptor, for a selector; raises DeviceUnavailable while closed."""
        if self._port is None or not hasattr(self._port, "fileno"):
            raise DeviceUnavailable(f"thermometer port {self.url!r} is not open (or has no file descriptor)")
        return self._port.fileno()

    def receive(self) -> bytes:
        """The bytes waiting now (possibly none). Raises DeviceUnavailable while the port is closed."""
        now = self._clock.monotonic()
        if self._port is None:
            self._open(now)
        try:
            return self._port.read(max(1, self._port.in_waiting))
        except (serial.SerialException, OSError) as err:
            self._close()
            self._backoff.failed(now)
            logger.warning("thermometer port %s failed: %s", self.url, err)
            raise DeviceUnavailable(f"thermometer port {self.url!r} failed: {err} (reconnecting)") from err

    def send(self, data: bytes) -> None:
        if self._port is None:
            raise DeviceUnavailable(f"thermometer port {self.url!r} is not open")
        try:
            self._port.write(data)
        except (serial.SerialException, OSError) as err:
            self._close()
            raise DeviceUnavailable(f"thermometer port {self.url!r} failed while writing: {err} (reconnecting)") from err

    def frames_arrived(self, count: int) -> None:
        """Tell the link that `count` valid frames were decoded since the last call; keeps the frame-interval estimate."""
        now = self._clock.monotonic()
        interval = (now - self._last_frame_at) / count
        if not self._is_silent and 0 < interval < self._offline_after_s:
            self.frame_interval_s = interval if self.frame_interval_s is None else 0.8 * self.frame_interval_s + 0.2 * interval
        if self._is_silent:
            logger.info("thermometer on %s is talking again", self.url)
        self._last_frame_at = now
        self._is_silent = False
        self._has_talked = True
        self._backoff.succeeded()

    def check_silence(self) -> None:
        """Raise DeviceUnavailable if no frame came for too long, re-sending the start command when due."""
        now = self._clock.monotonic()
        silent_for = now - self._last_frame_at
        limit = max(self._offline_after_s, 3 * (self.frame_interval_s or 0.0))
        if silent_for < limit:
            return
        if not self._has_talked and len(self.baudrates) > 1:
            tried = self.baudrate
            self._close()
            self._baud_index = (self._baud_index + 1) % len(self.baudrates)
            raise DeviceUnavailable(
                f"thermometer on {self.url!r}: no frame at {tried} baud for {silent_for:.1f} s; trying {self.baudrate} baud"
            )
        if not self._is_silent:
            logger.warning("thermometer on %s silent for %.1f s", self.url, silent_for)
        self._is_silent = True
        if self._backoff.is_due(now):
            self.send(self._start_commands)
            self._backoff.failed(now)
        raise DeviceUnavailable(
            f"thermometer on {self.url!r}: no frame for {silent_for:.1f} s (expected one at least every {limit:.1f} s; "
            "check the module's power, wiring and baud rate)"
        )

    def close(self) -> None:
        self._close()

    def _open(self, now: float) -> None:
        if not self._backoff.is_due(now):
            raise DeviceUnavailable(
                f"thermometer port {self.url!r} unavailable; next attempt in {self._backoff.seconds_left(now):.1f} s"
            )
        port = None
        try:
            port = serial.serial_for_url(self.url, baudrate=self.baudrate, timeout=0, write_timeout=WRITE_TIMEOUT_S)
            port.write(self._start_commands)
        except (serial.SerialException, OSError, ValueError) as err:
            if port is not None:
                port.close()
            self._backoff.failed(now)
            raise DeviceUnavailable(
                f"thermometer port {self.url!r}: {err} (expected a serial device or a URL such as loop://); "
                f"retrying in {self._backoff.seconds_left(now):.1f} s"
            ) from err
        logger.info("thermometer port %s open at %d baud", self.url, self.baudrate)
        self._port = port
        self._last_frame_at = now
        self._is_silent = False
        self._has_talked = False

    def _close(self) -> None:
        if self._port is not None:
            try:
                self._port.close()
            except (serial.SerialException, OSError):
                pass  # the device is already gone; there is nothing left to release
            self._port = None
