"""GY-MCU90640 byte protocol (MLX90640 32×24 array behind an STM32): frames, commands, a pure decoder.

Frame, module → host, 1544 bytes (hardware.md §1.3): `5A 5A 02 06` (header and payload size 0x0602
little-endian), 768 pixels then the ambient, little-endian signed int16 in hundredths of a °C, row-major
24 rows × 32 columns, then a checksum: the low 16 bits of the sum of the first 771 little-endian words.
Commands, host → module: `A5 cmd arg sum`, sum = low byte of A5 + cmd + arg.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hardware.thermometer import Reading

ROWS = 24
COLUMNS = 32
HEADER = b"\x5a\x5a\x02\x06"
FRAME_SIZE = 1544
_WORDS = (FRAME_SIZE - 2) // 2  # 771 words under the checksum
BAUDRATES = (115200, 460800)

COMMAND_PREFIX = 0xA5
CMD_BAUD = 0x15
CMD_RATE = 0x25
CMD_MODE = 0x35
CMD_EMISSIVITY = 0x45
MODE_QUERY = 0x01
MODE_CONTINUOUS = 0x02
RATE_HZ = {0: 0.5, 1: 1.0, 2: 2.0, 3: 4.0, 4: 8.0}
"""Update-rate argument → frames per second, per the Node driver; other drivers disagree (hardware.md §1.3),
so the driver measures the real interval instead of trusting this table."""


def command(code: int, argument: int) -> bytes:
    """The 4-byte command `A5 code argument sum`, e.g. command(CMD_MODE, MODE_CONTINUOUS) == A5 35 02 DC."""
    return bytes((COMMAND_PREFIX, code, argument, (COMMAND_PREFIX + code + argument) & 0xFF))


def encode_frame(pixels_c: np.ndarray, ambient_c: float) -> bytes:
    """A temperature frame from a 24×32 image in °C; values are rounded to 0.01 °C and clipped to int16."""
    if pixels_c.shape != (ROWS, COLUMNS):
        raise ValueError(f"pixels_c has shape {pixels_c.shape}: expected ({ROWS}, {COLUMNS})")
    centi = np.clip(np.rint(np.append(pixels_c.ravel(), ambient_c) * 100), -32768, 32767).astype("<i2")
    body = HEADER + centi.tobytes()
    checksum = int(np.frombuffer(body, dtype="<u2").sum(dtype=np.uint64)) & 0xFFFF
    return body + checksum.to_bytes(2, "little")


@dataclass(frozen=True)
class ArraySample:
    """One decoded frame: the image (24×32, °C) and the sensor's ambient (°C)."""

    pixels_c: np.ndarray
    ambient_c: float

    def reading(self, taken_at: float) -> Reading:
        """The image as a Reading whose `object_c` is the hottest pixel."""
        return Reading(object_c=float(self.pixels_c.max()), ambient_c=self.ambient_c, taken_at=taken_at, pixels_c=self.pixels_c)


class FrameDecoder:
    """Bytes in, thermal images out: resynchronises on `5A 5A 02 06`, rejects bad checksums, never blocks."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self.frames = 0
        self.bad_checksums = 0
        self.discarded_bytes = 0

    def feed(self, data: bytes) -> list[ArraySample]:
        self._buffer += data
        samples: list[ArraySample] = []
        while True:
            start = self._buffer.find(HEADER)
            if start < 0:
                self._discard(len(self._buffer) - self._partial_header_length())
                return samples
            self._discard(start)
            if len(self._buffer) < FRAME_SIZE:
                return samples
            frame = bytes(self._buffer[:FRAME_SIZE])
            words = np.frombuffer(frame, dtype="<u2")
            if int(words[:_WORDS].sum(dtype=np.uint64)) & 0xFFFF != int(words[_WORDS]):
                self.bad_checksums += 1
                self._discard(1)
                continue
            del self._buffer[:FRAME_SIZE]
            values = np.frombuffer(frame, dtype="<i2", count=ROWS * COLUMNS + 1, offset=4) / 100.0
            samples.append(ArraySample(values[:-1].reshape(ROWS, COLUMNS), float(values[-1])))
            self.frames += 1

    def _partial_header_length(self) -> int:
        """How many trailing bytes could be the start of a header split across reads."""
        for length in range(len(HEADER) - 1, 0, -1):
            if self._buffer.endswith(HEADER[:length]):
                return length
        return 0

    @property
    def pending_bytes(self) -> int:
        """Bytes held back as the possible start of a frame."""
        return len(self._buffer)

    def _discard(self, count: int) -> None:
        del self._buffer[:count]
        self.discarded_bytes += count
