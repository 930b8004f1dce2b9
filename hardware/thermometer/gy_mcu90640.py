"""GY-MCU90640 driver: 32×24 thermal images read from a serial port (hardware.md §1.3)."""

from __future__ import annotations

from hardware.clock import Clock
from hardware.thermometer import GyMcu90640Config, Reading
from hardware.thermometer import gy_mcu90640_protocol as protocol
from hardware.thermometer.serial_link import SerialLink


class GyMcu90640:
    """Sets the update rate and continuous output (`A5 35 02`), then decodes frames; `read()` never blocks.

    Drivers disagree on what the update-rate codes mean, so the link measures the real frame interval
    (`frame_interval_s`) and scales its silence limit to it.
    """

    def __init__(self, config: GyMcu90640Config, clock: Clock) -> None:
        self._clock = clock
        self._decoder = protocol.FrameDecoder()
        start = protocol.command(protocol.CMD_RATE, config.rate_code) + protocol.command(
            protocol.CMD_MODE, protocol.MODE_CONTINUOUS
        )
        baudrates = protocol.BAUDRATES if config.baudrate == "auto" else (config.baudrate,)
        self._link = SerialLink(config.port, baudrates, clock, start, config.offline_after_s)

    @property
    def decoder(self) -> protocol.FrameDecoder:
        return self._decoder

    @property
    def frame_interval_s(self) -> float | None:
        return self._link.frame_interval_s

    def fileno(self) -> int:
        return self._link.fileno()

    def read(self) -> Reading | None:
        samples = self._decoder.feed(self._link.receive())
        if not samples:
            self._link.check_silence()
            return None
        self._link.frames_arrived(len(samples))
        return samples[-1].reading(self._clock.monotonic())

    def close(self) -> None:
        self._link.close()
