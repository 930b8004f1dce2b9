"""The panel's LED, buzzer and text commands as the kiosk carries them out, with their timers.

OSDP times are in units of 100 ms. Flash and beep patterns are shown steady: the kiosk's LEDs
take the pattern's "on" colour, and the buzzer sounds for the pattern's whole length. A temporary
LED setting falls back to the permanent one when its timer runs out (OSDP osdp_LED).
"""

from __future__ import annotations

from typing import Any

from hardware.osdp import PanelBuzzer, PanelCommand, PanelLed, PanelText

TICK_S = 0.1
# OSDP colour codes: 0 black, 1 red, 2 green, 3 amber; blue, magenta, cyan and white have no LED here.
COLORS = {0: frozenset(), 1: frozenset({"red"}), 2: frozenset({"green"}), 3: frozenset({"red", "green"})}
LED_TEMPORARY_CANCEL, LED_TEMPORARY_SET, LED_PERMANENT_SET = 1, 2, 1
BUZZER_OFF, BUZZER_TONE = 1, 2


class PanelIndicators:
    """Turns libosdp command dicts (kind "led", "buzzer" or "text") into `PanelCommand` values at a time `now`."""

    def __init__(self) -> None:
        self._permanent: frozenset[str] = frozenset()
        self._temporary: frozenset[str] | None = None
        self._temporary_until = 0.0
        self._shown: frozenset[str] = frozenset()
        self._buzzer_until: float | None = None

    def apply(self, kind: str, command: dict[str, Any], now: float) -> list[PanelCommand]:
        if kind == "led":
            self._set_led(command, now)
            return self._led_change()
        if kind == "buzzer":
            return self._buzz(command, now)
        if kind == "text":
            return [PanelText(str(command.get("data", "")))]
        return []

    def expire(self, now: float) -> list[PanelCommand]:
        """Commands whose timers ran out by `now`: a temporary LED setting ending, a beep ending."""
        commands: list[PanelCommand] = []
        if self._temporary is not None and now >= self._temporary_until:
            self._temporary = None
            commands += self._led_change()
        if self._buzzer_until is not None and now >= self._buzzer_until:
            self._buzzer_until = None
            commands.append(PanelBuzzer(False))
        return commands

    def _set_led(self, command: dict[str, Any], now: float) -> None:
        color = COLORS.get(int(command.get("on_color", 0)), frozenset())
        code = int(command.get("control_code", 0))
        if command.get("temporary"):
            if code == LED_TEMPORARY_SET:
                self._temporary = color
                self._temporary_until = now + int(command.get("timer_count", 0)) * TICK_S
            elif code == LED_TEMPORARY_CANCEL:
                self._temporary = None
        elif code == LED_PERMANENT_SET:
            self._permanent = color

    def _led_change(self) -> list[PanelCommand]:
        wanted = self._temporary if self._temporary is not None else self._permanent
        if wanted == self._shown:
            return []
        self._shown = wanted
        return [PanelLed(wanted)]

    def _buzz(self, command: dict[str, Any], now: float) -> list[PanelCommand]:
        code = int(command.get("control_code", 0))
        if code == BUZZER_OFF:
            self._buzzer_until = None
            return [PanelBuzzer(False)]
        if code != BUZZER_TONE:
            return []
        repeats = int(command.get("rep_count", 0))
        cycle_s = (int(command.get("on_count", 0)) + int(command.get("off_count", 0))) * TICK_S
        self._buzzer_until = now + repeats * cycle_s if repeats else None  # 0 repeats: until told to stop
        return [PanelBuzzer(True)]
