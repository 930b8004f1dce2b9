"""Door I/O on Raspberry Pi GPIO through the RPi.GPIO API (RPi.GPIO, or rpi-lgpio on a Pi 5).

Relay polarity: with fail_mode "secure" the relay is energised to unlock, so an undriven pin
(process killed, Pi rebooting) leaves a fail-secure strike wired on the relay's NO contact locked.
With "safe" the relay is energised to lock (maglock on NO), so an undriven pin releases the door,
as fire codes require for egress doors. See README, "Door wiring".
"""

from __future__ import annotations

from hardware.clock import Clock
from hardware.door import INDICATOR_NAMES, GpioDoorConfig, InputEdge
from hardware.registry import import_vendor


class GpioDoor:
    def __init__(self, config: GpioDoorConfig, clock: Clock) -> None:
        # Only on a Pi; rpi-lgpio provides the same module on a Pi 5.
        GPIO = import_vendor("RPi.GPIO", "door.driver 'gpio'")
        self._gpio = GPIO
        self._config = config
        self._clock = clock
        self._energise_level = GPIO.HIGH if config.relay_active_high else GPIO.LOW
        self._rest_level = GPIO.LOW if config.relay_active_high else GPIO.HIGH
        GPIO.setwarnings(False)
        GPIO.setmode(GPIO.BCM)
        # Drive the relay to its locked level first, before anything else is set up.
        GPIO.setup(config.relay_pin, GPIO.OUT, initial=self._level_for(unlocked=False))
        self._unlocked = False
        self._indicator_pins = {"green": config.green_pin, "red": config.red_pin, "buzzer": config.buzzer_pin}
        for pin in self._indicator_pins.values():
            GPIO.setup(pin, GPIO.OUT, initial=GPIO.LOW)
        GPIO.setup(config.door_contact_pin, GPIO.IN, pull_up_down=GPIO.PUD_UP)
        GPIO.setup(config.exit_button_pin, GPIO.IN, pull_up_down=GPIO.PUD_UP)
        now = clock.monotonic()
        self._stable = {name: self._read(name) for name in ("door_contact", "exit_button")}
        self._candidate = {name: (value, now) for name, value in self._stable.items()}

    def _level_for(self, unlocked: bool) -> int:
        energised = unlocked if self._config.fail_mode == "secure" else not unlocked
        return self._energise_level if energised else self._rest_level

    @property
    def is_unlocked(self) -> bool:
        return self._unlocked

    def unlock(self) -> None:
        self._gpio.output(self._config.relay_pin, self._level_for(unlocked=True))
        self._unlocked = True

    def lock(self) -> None:
        self._gpio.output(self._config.relay_pin, self._level_for(unlocked=False))
        self._unlocked = False

    def set_indicator(self, name: str, on: bool) -> None:
        if name not in INDICATOR_NAMES:
            raise ValueError(f"indicator {name!r}: no such output (expected one of {', '.join(INDICATOR_NAMES)})")
        self._gpio.output(self._indicator_pins[name], self._gpio.HIGH if on else self._gpio.LOW)

    def _read(self, name: str) -> bool:
        if name == "door_contact":
            high = self._gpio.input(self._config.door_contact_pin) == self._gpio.HIGH
            return high == self._config.door_contact_open_high
        return self._gpio.input(self._config.exit_button_pin) == self._gpio.LOW

    def poll(self) -> list[InputEdge]:
        """Sample the inputs; report a change once it has been steady for debounce_ms."""
        now = self._clock.monotonic()
        edges = []
        for name in ("door_contact", "exit_button"):
            value = self._read(name)
            candidate, since = self._candidate[name]
            if value != candidate:
                self._candidate[name] = (value, now)
                since = now
            if value != self._stable[name] and now - since >= self._config.debounce_ms / 1000:
                self._stable[name] = value
                edges.append(InputEdge(name, value, now))
        return edges

    def close(self) -> None:
        """Lock and leave the relay pin driven at its locked level; release the other pins."""
        self.lock()
        for pin in self._indicator_pins.values():
            self._gpio.output(pin, self._gpio.LOW)
        others = [*self._indicator_pins.values(), self._config.door_contact_pin, self._config.exit_button_pin]
        self._gpio.cleanup(others)
