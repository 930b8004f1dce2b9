"""Door I/O: the lock relay, the door contact and exit button inputs, indicator LEDs and buzzer.

Safe state: locked. Every implementation starts locked and `close()` leaves it locked.
Wiring for fail-secure vs fail-safe doors is documented in README (Door wiring).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from hardware.clock import Clock
from hardware.settings import setting

INPUT_NAMES = ("door_contact", "exit_button")
INDICATOR_NAMES = ("green", "red", "buzzer")
DoorMode = Literal["relay", "panel-osdp", "panel-wiegand"]
_MODE_HELP = (
    "'relay': the kiosk drives its lock relay; 'panel-osdp' / 'panel-wiegand': a grant is reported to the building's"
    " access-control panel as a card read and the panel opens the door (the relay stays locked; see [panel])"
)


@dataclass(frozen=True)
class InputEdge:
    """An input changed: `name` is "door_contact" (active = door open) or "exit_button" (active = pressed)."""

    name: str
    active: bool
    at: float


@dataclass(frozen=True)
class Edge:
    """An output changed: the relay (`name` "relay", active = unlocked) or an indicator."""

    name: str
    active: bool
    at: float


class Door(Protocol):
    """The door's outputs and inputs. `poll()` returns input edges since the last call, oldest first."""

    @property
    def is_unlocked(self) -> bool: ...

    def unlock(self) -> None: ...

    def lock(self) -> None: ...

    def set_indicator(self, name: str, on: bool) -> None: ...

    def poll(self) -> list[InputEdge]: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class ScriptedInput:
    at_s: float = setting(0.0, "when the input changes, seconds after the door was opened", min=0, max=86400)
    input: Literal["door_contact", "exit_button"] = setting("exit_button", "which input changes")
    active: bool = setting(True, "door_contact: true = door open; exit_button: true = pressed")


@dataclass(frozen=True)
class SimulatedDoorConfig:
    driver: Literal["simulated"] = "simulated"
    mode: DoorMode = setting("relay", _MODE_HELP)
    edges_file: str = setting("", "JSONL file to append every output edge to (empty: keep in memory only)")
    script: list[ScriptedInput] = setting([], "input changes to play back, e.g. an exit-button press at 3 s")


@dataclass(frozen=True)
class GpioDoorConfig:
    driver: Literal["gpio"] = "gpio"
    mode: DoorMode = setting("relay", _MODE_HELP)
    relay_pin: int = setting(17, "BCM pin driving the lock relay", min=2, max=27)
    relay_active_high: bool = setting(False, "true if the relay board energises on a high pin (most hobby boards are active-low)")
    fail_mode: Literal["secure", "safe"] = setting(
        "secure", "'secure': lock stays locked without power (wire the lock on the relay's NO contact); 'safe': releases (NC)"
    )
    door_contact_pin: int = setting(27, "BCM pin of the door contact", min=2, max=27)
    door_contact_open_high: bool = setting(True, "true if the contact input reads high when the door is open (NC contact with pull-up)")
    exit_button_pin: int = setting(22, "BCM pin of the request-to-exit button (pressed pulls the pin low)", min=2, max=27)
    green_pin: int = setting(5, "BCM pin of the green LED", min=2, max=27)
    red_pin: int = setting(6, "BCM pin of the red LED", min=2, max=27)
    buzzer_pin: int = setting(13, "BCM pin of the buzzer", min=2, max=27)
    debounce_ms: int = setting(30, "input debounce time, milliseconds", min=0, max=1000)

    def validate(self) -> list[str]:
        pins = {
            "relay_pin": self.relay_pin,
            "door_contact_pin": self.door_contact_pin,
            "exit_button_pin": self.exit_button_pin,
            "green_pin": self.green_pin,
            "red_pin": self.red_pin,
            "buzzer_pin": self.buzzer_pin,
        }
        seen: dict[int, str] = {}
        problems = []
        for name, pin in pins.items():
            if pin in seen:
                problems.append(f"{name} = {pin}: already used by {seen[pin]} (expected a distinct BCM pin)")
            seen[pin] = name
        return problems


DoorConfig = SimulatedDoorConfig | GpioDoorConfig

DRIVERS = {
    "simulated": "hardware.door.simulated:SimulatedDoor",
    "gpio": "hardware.door.gpio:GpioDoor",
}


def open_door(config: DoorConfig, clock: Clock) -> Door:
    """Open the door I/O `config.driver` names, driven locked before it is returned."""
    from hardware.registry import load_driver

    return load_driver("door", DRIVERS, config.driver)(config, clock)
