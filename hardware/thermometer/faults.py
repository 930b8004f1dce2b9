"""Byte-level faults a serial thermometer shows in the field, applied to an emulator's output on demand."""

from __future__ import annotations

import numpy as np

_NOISE_BYTES = np.array([*range(256), *b"\x5a\x5a\x02\x06\x45\x04\xa5"], dtype=np.uint8)
"""Garbage is uniform bytes with header and command bytes over-represented, to exercise resynchronisation."""


class FaultInjector:
    """One-shot faults (`inject_garbage`, `drop_bytes`, `corrupt_checksum`) hit the next bytes sent;
    `stuck` repeats one frame for as long as it is set (a frozen MCU still streaming)."""

    def __init__(self, frame_size: int, rng: np.random.Generator) -> None:
        self.frame_size = frame_size
        self.stuck = False
        self._rng = rng
        self._garbage = 0
        self._drop = 0
        self._corrupt = 0
        self._stuck_frame = b""

    def inject_garbage(self, count: int) -> None:
        """Random bytes (header bytes included) before the next frame."""
        self._garbage += count

    def drop_bytes(self, count: int) -> None:
        """Lose `count` bytes from the middle of the next frame, as a UART overrun would."""
        self._drop += count

    def corrupt_checksum(self, frames: int = 1) -> None:
        self._corrupt += frames

    def apply(self, data: bytes) -> bytes:
        """`data` (whole frames) with the pending faults applied."""
        size = self.frame_size
        if self.stuck:
            self._stuck_frame = self._stuck_frame or data[:size]
            data = self._stuck_frame * (len(data) // size)
        else:
            self._stuck_frame = b""
        out = bytearray(data)
        corrupted = min(self._corrupt, len(out) // size)
        for index in range(corrupted):
            out[len(out) - index * size - 1] ^= 0xFF
        self._corrupt -= corrupted
        if self._drop and out:
            middle = max(0, min(len(out) - self._drop, size // 2))
            del out[middle : middle + self._drop]
            self._drop = 0
        if self._garbage and out:
            out[:0] = self._rng.choice(_NOISE_BYTES, self._garbage).tobytes()
            self._garbage = 0
        return bytes(out)
