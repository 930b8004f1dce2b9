"""GY-MCU90614 byte protocol (MLX90614 behind a UART MCU): frames, commands, a pure decoder.

Frame, module → host (hardware.md §1.1): `5A 5A | type | len | payload (len bytes) | sum`, where sum
is the low byte of the sum of every byte before it. Temperature frames have type 0x45 and len 4:
object then ambient, big-endian signed int16, hundredths of a °C. Other types (0x25 emissivity,
0x35 offset) are checked and skipped. Commands, host → module: `A5 cmd sum`.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from hardware.thermometer import Reading

HEADER = b"\x5a\x5a"
TEMPERATURE_TYPE = 0x45
TEMPERATURE_LEN = 4
MAX_PAYLOAD_LEN = 8
"""Longest payload accepted before a length byte is treated as noise (known types carry 1–4 bytes)."""
BAUDRATES = (9600, 115200)
"""Factory default first; `A5 AF 54` switches a board to 115200 after a power cycle."""

COMMAND_PREFIX = 0xA5
CMD_CONTINUOUS = 0x45
CMD_QUERY = 0x15
CMD_BAUD_9600 = 0xAE
CMD_BAUD_115200 = 0xAF
CMD_AUTO_OUTPUT_ON = 0x51
CMD_AUTO_OUTPUT_OFF = 0x52


def command(code: int) -> bytes:
    """The 3-byte command `A5 code sum`, e.g. command(CMD_CONTINUOUS) == b'\\xa5\\x45\\xea'."""
    return bytes((COMMAND_PREFIX, code, (COMMAND_PREFIX + code) & 0xFF))


def _centi(value_c: float) -> int:
    return max(-32768, min(32767, round(value_c * 100)))


def encode_frame(object_c: float, ambient_c: float) -> bytes:
    """A temperature frame; values are rounded to 0.01 °C and clipped to the int16 range, as the module does."""
    body = HEADER + bytes((TEMPERATURE_TYPE, TEMPERATURE_LEN)) + struct.pack(">hh", _centi(object_c), _centi(ambient_c))
    return body + bytes((sum(body) & 0xFF,))


@dataclass(frozen=True)
class SpotSample:
    """One decoded temperature frame, °C."""

    object_c: float
    ambient_c: float

    def reading(self, taken_at: float) -> Reading:
        return Reading(object_c=self.object_c, ambient_c=self.ambient_c, taken_at=taken_at)


class FrameDecoder:
    """Bytes in, temperature samples out: resynchronises on `5A 5A`, rejects bad checksums, never blocks.

    Keeps at most one partial frame between calls. Counters say what was thrown away and why.
    """

    def __init__(self) -> None:
        self._buffer = bytearray()
        self.frames = 0
        self.bad_checksums = 0
        self.skipped_frames = 0
        self.discarded_bytes = 0

    def feed(self, data: bytes) -> list[SpotSample]:
        self._buffer += data
        samples: list[SpotSample] = []
        while True:
            start = self._buffer.find(HEADER)
            if start < 0:
                keep = 1 if self._buffer.endswith(HEADER[:1]) else 0
                self._discard(len(self._buffer) - keep)
                return samples
            self._discard(start)
            if len(self._buffer) < 4:
                return samples
            length = self._buffer[3]
            if length > MAX_PAYLOAD_LEN:
                self._discard(1)
                continue
            size = 4 + length + 1
            if len(self._buffer) < size:
                return samples
            frame = bytes(self._buffer[:size])
            if sum(frame[:-1]) & 0xFF != frame[-1]:
                self.bad_checksums += 1
                self._discard(1)
                continue
            del self._buffer[:size]
            if frame[2] == TEMPERATURE_TYPE and length == TEMPERATURE_LEN:
                object_centi, ambient_centi = struct.unpack(">hh", frame[4:8])
                samples.append(SpotSample(object_centi / 100, ambient_centi / 100))
                self.frames += 1
            else:
                self.skipped_frames += 1

    @property
    def pending_bytes(self) -> int:
        """Bytes held back as the possible start of a frame."""
        return len(self._buffer)

    def _discard(self, count: int) -> None:
        del self._buffer[:count]
        self.discarded_bytes += count
