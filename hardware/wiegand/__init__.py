"""Wiegand output: a card frame sent to an access-control panel as pulses on two lines, D0 and D1.

Both lines idle high (the panel pulls them up to 5 V); a 0 bit is a low pulse on D0, a 1 bit a low
pulse on D1, never both at once. SIA reader timing: pulse 20-100 µs, pulse interval (leading edge to
leading edge) 200 µs-20 ms; readers typically send 50 µs every 1-2 ms (hardware.md §3.3: Promag WEC200,
ZKTeco, RF Solutions MFPROT, Nedap uPASS manuals). The Pi's 3.3 V pins reach the panel's 5 V lines
through an open-collector stage (README, "Connecting to an access-control panel").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from hardware.clock import Clock
from hardware.settings import setting


class WiegandOutput(Protocol):
    """Sends frames; a frame sent while another is still going out follows it. `close()` leaves both lines idle."""

    def send(self, bits: Sequence[bool]) -> None: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class Step:
    """Hold D0 and D1 at these levels (True = pulled low, i.e. a pulse) for `hold_us` microseconds."""

    d0_low: bool
    d1_low: bool
    hold_us: int


def pulse_train(bits: Sequence[bool], pulse_us: int, interval_us: int) -> list[Step]:
    """The line levels for one frame: per bit a pulse on D1 (1) or D0 (0), then both idle until the next bit."""
    if not 0 < pulse_us < interval_us:
        raise ValueError(f"Wiegand pulse {pulse_us} µs every {interval_us} µs: expected a pulse shorter than its interval")
    steps = []
    for bit in bits:
        steps.append(Step(d0_low=not bit, d1_low=bool(bit), hold_us=pulse_us))
        steps.append(Step(d0_low=False, d1_low=False, hold_us=interval_us - pulse_us))
    return steps


_PULSE_US = "low pulse width, microseconds (SIA: 20-100; readers typically send 50)"
_INTERVAL_US = "pulse interval, leading edge to leading edge, microseconds (SIA: 200-20000; typically 1000-2000)"


@dataclass(frozen=True)
class SimulatedWiegandConfig:
    driver: Literal["simulated"] = "simulated"
    pulse_us: int = setting(50, _PULSE_US, min=20, max=100)
    interval_us: int = setting(2000, _INTERVAL_US, min=200, max=20000)


@dataclass(frozen=True)
class GpioWiegandConfig:
    driver: Literal["gpio"] = "gpio"
    d0_pin: int = setting(23, "BCM pin driving the panel's DATA0 line (through the interface stage)", min=2, max=27)
    d1_pin: int = setting(24, "BCM pin driving the panel's DATA1 line (through the interface stage)", min=2, max=27)
    inverting_stage: bool = setting(
        True, "true with a transistor or optocoupler per line (pin high pulls the line low); false only for a panel input taking 3.3 V logic directly"
    )
    gpiochip: int = setting(
        -1, "gpiochip number; -1 finds the 40-pin header's chip (pinctrl-bcm2711/2835 on a Pi 4, pinctrl-rp1 on a Pi 5)", min=-1, max=15
    )
    pulse_us: int = setting(50, _PULSE_US, min=20, max=100)
    interval_us: int = setting(2000, _INTERVAL_US, min=200, max=20000)

    def validate(self) -> list[str]:
        if self.d0_pin == self.d1_pin:
            return [f"d1_pin = {self.d1_pin}: already used by d0_pin (expected a distinct BCM pin)"]
        return []


WiegandConfig = SimulatedWiegandConfig | GpioWiegandConfig

DRIVERS = {
    "simulated": "hardware.wiegand.simulated:SimulatedWiegandOutput",
    "gpio": "hardware.wiegand.lgpio_output:LgpioWiegandOutput",
}


def open_wiegand(config: WiegandConfig, clock: Clock) -> WiegandOutput:
    """Open the Wiegand output `config.driver` names, both lines idle."""
    from hardware.registry import load_driver

    return load_driver("wiegand", DRIVERS, config.driver)(config, clock)
