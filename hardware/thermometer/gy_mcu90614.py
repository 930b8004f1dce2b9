"""GY-MCU90614 driver: the module's 9-byte frames read from a serial port (hardware.md §1.1)."""

from __future__ import annotations

from hardware.clock import Clock
from hardware.thermometer import GyMcu90614Config, Reading
from hardware.thermometer import gy_mcu90614_protocol as protocol
from hardware.thermometer.serial_link import SerialLink


class GyMcu90614:
    """Streams (`A5 45 EA`) or queries (`A5 15 BA`, below 10 Hz) the module; `read()` never blocks.

    `A5 45 EA` rather than `A5 51 F6` starts the stream, because only it works on a board
    configured with `A5 52 F7` (no output after power-up).
    """

    def __init__(self, config: GyMcu90614Config, clock: Clock) -> None:
        self._config = config
        self._clock = clock
        self._decoder = protocol.FrameDecoder()
        start = protocol.command(protocol.CMD_CONTINUOUS) if config.mode == "continuous" else b""
        baudrates = protocol.BAUDRATES if config.baudrate == "auto" else (config.baudrate,)
        self._link = SerialLink(config.port, baudrates, clock, start, config.offline_after_s)
        self._next_query_at = 0.0

    @property
    def decoder(self) -> protocol.FrameDecoder:
        """The frame decoder, whose counters say how many frames were good, corrupt or skipped."""
        return self._decoder

    def fileno(self) -> int:
        return self._link.fileno()

    def read(self) -> Reading | None:
        samples = self._decoder.feed(self._link.receive())
        now = self._clock.monotonic()
        if self._config.mode == "query" and now >= self._next_query_at:
            self._link.send(protocol.command(protocol.CMD_QUERY))
            self._next_query_at = now + 1.0 / self._config.query_hz
        if not samples:
            self._link.check_silence()
            return None
        self._link.frames_arrived(len(samples))
        return samples[-1].reading(now)

    def close(self) -> None:
        self._link.close()
