"""Wiegand output on Raspberry Pi GPIO through lgpio (Pi 4 and Pi 5: it uses the gpiochip character device).

Pulses go out as an lgpio software-timed wave: lgpio's own C thread times them, not Python, so a
50 µs pulse stays near 50 µs while the gate loop runs (hardware.md §3.3: user-space Python timing of
50 µs pulses is marginal). The frame is queued and `send` returns at once.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from types import ModuleType

from hardware.clock import Clock
from hardware.errors import DeviceUnavailable
from hardware.registry import import_vendor
from hardware.wiegand import GpioWiegandConfig, pulse_train

HEADER_CHIP_LABELS = ("pinctrl-rp1", "pinctrl-bcm2711", "pinctrl-bcm2835")
CLOSE_WAIT_S = 1.0  # the longest frame (34 bits at 20 ms) takes 0.68 s; one at the defaults 68 ms


class LgpioWiegandOutput:
    def __init__(self, config: GpioWiegandConfig, clock: Clock) -> None:
        lgpio = import_vendor("lgpio", "wiegand.driver 'gpio'")
        self._lgpio = lgpio
        self._config = config
        chip = config.gpiochip if config.gpiochip >= 0 else _header_chip(lgpio)
        try:
            self._handle = lgpio.gpiochip_open(chip)
            self._pulsed_level = 1 if config.inverting_stage else 0
            idle = 1 - self._pulsed_level
            lgpio.group_claim_output(self._handle, [config.d0_pin, config.d1_pin], [idle, idle])
        except lgpio.error as err:
            raise DeviceUnavailable(
                f"wiegand pins {config.d0_pin}/{config.d1_pin} on gpiochip{chip}: {err} (expected free BCM pins; is another program using them?)"
            ) from err

    def send(self, bits: Sequence[bool]) -> None:
        pulses = []
        for step in pulse_train(bits, self._config.pulse_us, self._config.interval_us):
            d0 = self._pulsed_level if step.d0_low else 1 - self._pulsed_level
            d1 = self._pulsed_level if step.d1_low else 1 - self._pulsed_level
            pulses.append(self._lgpio.pulse(d0 | d1 << 1, 0b11, step.hold_us))
        try:
            self._lgpio.tx_wave(self._handle, self._config.d0_pin, pulses)
        except self._lgpio.error as err:
            raise DeviceUnavailable(f"wiegand pin {self._config.d0_pin}: frame not sent: {err}") from err

    def close(self) -> None:
        """Let a frame in progress finish (a cut frame would be read as a wrong card), then release the pins."""
        deadline = time.monotonic() + CLOSE_WAIT_S
        while self._lgpio.tx_busy(self._handle, self._config.d0_pin, self._lgpio.TX_WAVE) and time.monotonic() < deadline:
            time.sleep(0.005)
        self._lgpio.group_free(self._handle, self._config.d0_pin)
        self._lgpio.gpiochip_close(self._handle)


def _header_chip(lgpio: ModuleType) -> int:
    """The gpiochip of the 40-pin header: gpiochip0 on a Pi 4, gpiochip4 or gpiochip0 on a Pi 5 (kernel-dependent)."""
    for chip in range(16):
        try:
            handle = lgpio.gpiochip_open(chip)
        except lgpio.error:
            continue
        try:
            label = lgpio.gpio_get_chip_info(handle)[3]
        finally:
            lgpio.gpiochip_close(handle)
        if label in HEADER_CHIP_LABELS:
            return chip
    raise DeviceUnavailable(
        f"wiegand: no gpiochip labelled {', '.join(HEADER_CHIP_LABELS)} (expected a Raspberry Pi 4 or 5; set wiegand.gpiochip)"
    )
