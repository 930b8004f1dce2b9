"""Run a pty simulator in real time, steered by one-line scenario commands (the `kiosk sim thermometer` loop).

Commands, one per line: `arrive SKIN_C [DISTANCE_M]`, `leave`, `reference C|off`, `ambient C`,
`unplug`, `replug`, `garbage N`, `drop N`, `corrupt [N]`, `stuck on|off`, `silent on|off`, `quit`.
Each is answered with `ok …` on the output, or `error: …` naming the line and what was expected.
"""

from __future__ import annotations

import os
import select
from collections.abc import Callable
from pathlib import Path
from typing import Literal, TextIO

import numpy as np

from hardware.clock import Clock
from hardware.thermometer.emulator import GyMcu90614Emulator, GyMcu90640Emulator, Scene
from hardware.thermometer.physics import Room, SensorErrors, Subject
from hardware.thermometer.pty_simulator import PtySimulator

Model = Literal["gy-mcu90614", "gy-mcu90640"]


def build_simulator(model: Model, link_path: Path, seed: int, ambient_c: float, noise_c: float) -> PtySimulator:
    """A pty simulator of `model` in a room at `ambient_c`, with a unit's errors drawn from `seed`."""
    rng = np.random.default_rng(seed)
    scene = Scene(Room(ambient_c, rng))
    errors = SensorErrors.drawn(rng, noise_c)
    emulator = GyMcu90614Emulator(scene, errors, rng) if model == "gy-mcu90614" else GyMcu90640Emulator(scene, errors, rng)
    return PtySimulator(emulator, link_path, seed)


class ScenarioCommands:
    """Turns command lines into calls on a simulator; `handle` returns the reply and whether to go on."""

    def __init__(self, simulator: PtySimulator, clock: Clock) -> None:
        self._simulator = simulator
        self._clock = clock
        self._actions: dict[str, Callable[[list[str]], None]] = {
            "arrive": self._arrive,
            "leave": lambda args: self._scene.subject_leaves(),
            "reference": lambda args: self._scene.hold_reference(None if args == ["off"] else _number(args, 0)),
            "ambient": lambda args: self._scene.room.set_ambient(_number(args, 0)),
            "unplug": lambda args: simulator.unplug(),
            "replug": lambda args: simulator.replug(),
            "garbage": lambda args: simulator.faults.inject_garbage(int(_number(args, 0))),
            "drop": lambda args: simulator.faults.drop_bytes(int(_number(args, 0))),
            "corrupt": lambda args: simulator.faults.corrupt_checksum(int(_number(args, 0)) if args else 1),
            "stuck": self._stuck,
            "silent": self._silent,
        }

    @property
    def _scene(self) -> Scene:
        return self._simulator.emulator.scene

    def handle(self, line: str) -> tuple[str, bool]:
        words = line.split()
        if not words:
            return "", True
        name, args = words[0], words[1:]
        if name == "quit":
            return "ok quit", False
        action = self._actions.get(name)
        if action is None:
            return f"error: {line.strip()!r}: unknown command (expected one of {', '.join(sorted(self._actions))}, quit)", True
        try:
            action(args)
        except ValueError as err:
            return f"error: {line.strip()!r}: {err}", True
        return f"ok {line.strip()}", True

    def _stuck(self, args: list[str]) -> None:
        self._simulator.faults.stuck = _switch(args)

    def _silent(self, args: list[str]) -> None:
        self._simulator.silent = _switch(args)

    def _arrive(self, args: list[str]) -> None:
        distance_m = _number(args, 1) if len(args) > 1 else 0.3
        self._scene.subject_arrives(Subject(site_c=_number(args, 0), distance_m=distance_m, arrived_at=self._clock.monotonic()))


def serve(simulator: PtySimulator, clock: Clock, commands_fd: int | None, replies: TextIO) -> None:
    """Pump the simulator in real time until `quit`; the commands' end of file only stops the commands."""
    scenario = ScenarioCommands(simulator, clock)
    period_s = 0.5 / simulator.emulator.rate_hz
    pending = b""
    while True:
        waiting = [commands_fd] if commands_fd is not None else []
        if simulator.is_plugged:
            waiting.append(simulator.fileno())
        ready, _, _ = select.select(waiting, [], [], period_s)
        if commands_fd is not None and commands_fd in ready:
            chunk = os.read(commands_fd, 4096)
            if not chunk:
                commands_fd = None
            pending += chunk
            *lines, pending = pending.split(b"\n")
            for line in lines:
                reply, go_on = scenario.handle(line.decode(errors="replace"))
                if reply:
                    print(reply, file=replies, flush=True)
                if not go_on:
                    return
        simulator.pump(clock.monotonic())


def _number(args: list[str], index: int) -> float:
    if len(args) <= index:
        raise ValueError(f"missing argument {index + 1} (expected a number)")
    try:
        return float(args[index])
    except ValueError:
        raise ValueError(f"{args[index]!r} is not a number") from None


def _switch(args: list[str]) -> bool:
    if args not in (["on"], ["off"]):
        raise ValueError(f"{' '.join(args)!r}: expected 'on' or 'off'")
    return args == ["on"]
