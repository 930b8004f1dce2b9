"""A test double of the RPi.GPIO module: pins as levels in a dict, so the real GPIO driver runs here."""

from __future__ import annotations

import types

BCM, OUT, IN, HIGH, LOW, PUD_UP, PUD_DOWN = "BCM", "OUT", "IN", 1, 0, "PUD_UP", "PUD_DOWN"


def make_fake_gpio() -> types.ModuleType:
    module = types.ModuleType("RPi.GPIO")
    module.BCM, module.OUT, module.IN, module.HIGH, module.LOW = BCM, OUT, IN, HIGH, LOW
    module.PUD_UP, module.PUD_DOWN = PUD_UP, PUD_DOWN
    module.levels = {}
    module.modes = {}
    module.history = []  # (pin, level) for every output write, in order

    def setwarnings(flag: bool) -> None:
        pass

    def setmode(mode: str) -> None:
        module.mode = mode

    def setup(pin: int, mode: str, initial: int | None = None, pull_up_down: str | None = None) -> None:
        module.modes[pin] = mode
        if mode == OUT:
            level = LOW if initial is None else initial
            module.levels[pin] = level
            module.history.append((pin, level))
        else:
            module.levels.setdefault(pin, HIGH if pull_up_down == PUD_UP else LOW)

    def output(pin: int, level: int) -> None:
        if module.modes.get(pin) != OUT:
            raise RuntimeError(f"pin {pin} is not set up as an output")
        module.levels[pin] = level
        module.history.append((pin, level))

    def input(pin: int) -> int:  # noqa: A001 - the RPi.GPIO name
        return module.levels[pin]

    def cleanup(pins: list[int] | None = None) -> None:
        for pin in pins if pins is not None else list(module.modes):
            module.modes.pop(pin, None)

    module.setwarnings, module.setmode, module.setup = setwarnings, setmode, setup
    module.output, module.input, module.cleanup = output, input, cleanup
    return module
