"""Module emulators: the bytes a GY-MCU90614 or GY-MCU90640 would send for a simulated scene.

An emulator answers the module's commands (continuous or query output, update rate) and, when
polled with the current time, returns the frames due since the last poll. It does no I/O: the pty
simulator writes its bytes to a pseudo-terminal, the simulated thermometer feeds them straight to
the real decoder.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np

from hardware.thermometer import gy_mcu90614_protocol as spot_protocol
from hardware.thermometer import gy_mcu90640_protocol as array_protocol
from hardware.thermometer.physics import FaceLayout, Room, SensorErrors, Subject, array_scene_c, spot_scene_c

MAX_CATCH_UP_S = 1.0
"""After a longer gap between polls the stream restarts at the poll instead of emitting a backlog."""


class Scene:
    """The room, the person in front of the sensor (if any), or a blackbody reference held up to it."""

    def __init__(self, room: Room) -> None:
        self.room = room
        self.subject: Subject | None = None
        self.reference_c: float | None = None

    def subject_arrives(self, subject: Subject) -> None:
        self.subject, self.reference_c = subject, None

    def subject_leaves(self) -> None:
        self.subject = None

    def hold_reference(self, temperature_c: float | None) -> None:
        """A blackbody at `temperature_c` fills the field of view (None: take it away)."""
        self.reference_c = temperature_c


@dataclass(frozen=True)
class SpotOpticsConfig:
    fov_deg: float = 10.0
    target_diameter_m: float = 0.06


class _Emulator(ABC):
    """Command parsing and frame scheduling shared by both modules."""

    command_length: int
    frame_size: int

    def __init__(self, scene: Scene, errors: SensorErrors, rng: np.random.Generator, rate_hz: float) -> None:
        self.scene = scene
        self.errors = errors
        self.rng = rng
        self.rate_hz = rate_hz
        self.continuous = True
        self.commands: list[bytes] = []
        self._pending_queries = 0
        self._command_buffer = bytearray()
        self._next_at: float | None = None

    def receive(self, data: bytes) -> None:
        """Bytes from the host; complete, correctly summed commands are acted on, anything else ignored."""
        buffer = self._command_buffer
        buffer += data
        while True:
            start = buffer.find(0xA5)
            if start < 0:
                buffer.clear()
                return
            del buffer[:start]
            if len(buffer) < self.command_length:
                return
            candidate = bytes(buffer[: self.command_length])
            if sum(candidate[:-1]) & 0xFF != candidate[-1]:
                del buffer[:1]
                continue
            del buffer[: self.command_length]
            self.commands.append(candidate)
            self._handle(candidate)

    def poll(self, now: float) -> bytes:
        """Every frame due up to `now`: the stream in continuous mode, plus one per pending query."""
        frames = bytearray()
        if self.continuous:
            if self._next_at is None or now - self._next_at > MAX_CATCH_UP_S:
                self._next_at = now
            while self._next_at <= now + 1e-9:  # tolerate float steps of 1/rate_hz
                frames += self._frame(self._next_at)
                self._next_at += 1.0 / self.rate_hz
        for _ in range(self._pending_queries):
            frames += self._frame(now)
        self._pending_queries = 0
        return bytes(frames)

    @abstractmethod
    def _handle(self, command: bytes) -> None: ...

    @abstractmethod
    def _frame(self, at: float) -> bytes: ...


class GyMcu90614Emulator(_Emulator):
    """GY-MCU90614: 9-byte frames, `A5 45 EA` streams, `A5 15 BA` asks for one frame (hardware.md §1.1)."""

    command_length = 3
    frame_size = 9

    def __init__(
        self,
        scene: Scene,
        errors: SensorErrors,
        rng: np.random.Generator,
        rate_hz: float = 14.0,
        optics: SpotOpticsConfig = SpotOpticsConfig(),
    ) -> None:
        super().__init__(scene, errors, rng, rate_hz)
        self.optics = optics

    def _handle(self, command: bytes) -> None:
        code = command[1]
        if code == spot_protocol.CMD_CONTINUOUS:
            self.continuous = True
        elif code == spot_protocol.CMD_QUERY:
            self.continuous = False
            self._pending_queries += 1

    def _frame(self, at: float) -> bytes:
        room_c = self.scene.room.ambient_at(at)
        if self.scene.reference_c is not None:
            true_c = self.scene.reference_c
        else:
            true_c = spot_scene_c(self.scene.subject, room_c, at, self.optics.fov_deg, self.optics.target_diameter_m)
        return spot_protocol.encode_frame(
            self.errors.measure(true_c, room_c, self.rng), self.errors.measure_ambient(room_c, self.rng)
        )


class GyMcu90640Emulator(_Emulator):
    """GY-MCU90640: 1544-byte frames of 32×24 pixels; `A5 35 02` streams, `A5 35 01` queries, `A5 25 0x` sets the rate."""

    command_length = 4
    frame_size = array_protocol.FRAME_SIZE

    def __init__(
        self,
        scene: Scene,
        errors: SensorErrors,
        rng: np.random.Generator,
        rate_hz: float = 8.0,
        fov_deg: tuple[float, float] = (55.0, 35.0),
        face: FaceLayout = FaceLayout(),
    ) -> None:
        super().__init__(scene, errors, rng, rate_hz)
        self.fov_deg = fov_deg
        self.face = face
        self.pixel_offsets_c = rng.normal(0.0, 0.1, (array_protocol.ROWS, array_protocol.COLUMNS))

    def _handle(self, command: bytes) -> None:
        code, argument = command[1], command[2]
        if code == array_protocol.CMD_MODE and argument == array_protocol.MODE_CONTINUOUS:
            self.continuous = True
        elif code == array_protocol.CMD_MODE and argument == array_protocol.MODE_QUERY:
            self.continuous = False
            self._pending_queries += 1
        elif code == array_protocol.CMD_RATE and argument in array_protocol.RATE_HZ:
            self.rate_hz = array_protocol.RATE_HZ[argument]

    def _frame(self, at: float) -> bytes:
        room_c = self.scene.room.ambient_at(at)
        shape = (array_protocol.ROWS, array_protocol.COLUMNS)
        if self.scene.reference_c is not None:
            true_c = np.full(shape, self.scene.reference_c)
        else:
            true_c = array_scene_c(self.scene.subject, room_c, at, shape, self.fov_deg, self.face)
        pixels = self.errors.measure(true_c + self.pixel_offsets_c, room_c, self.rng)
        return array_protocol.encode_frame(np.asarray(pixels), self.errors.measure_ambient(room_c, self.rng))
