"""A simulated door: records every output edge with the injected clock's time; inputs come from a scenario."""

from __future__ import annotations

import json
from pathlib import Path

from hardware.clock import Clock
from hardware.door import INDICATOR_NAMES, Edge, InputEdge, SimulatedDoorConfig


class SimulatedDoor:
    """Starts locked (and records that edge), like a real relay driven to its safe state at start-up."""

    def __init__(self, config: SimulatedDoorConfig, clock: Clock) -> None:
        self._clock = clock
        self._started_at = clock.monotonic()
        self._script = sorted(config.script, key=lambda step: step.at_s)
        self._edges_file = Path(config.edges_file) if config.edges_file else None
        self._outputs: dict[str, bool] = {}
        self._pending: list[InputEdge] = []
        self._inputs = {"door_contact": False, "exit_button": False}
        self.edges: list[Edge] = []
        self._drive("relay", False)

    @property
    def is_unlocked(self) -> bool:
        return self._outputs["relay"]

    @property
    def is_open(self) -> bool:
        return self._inputs["door_contact"]

    def unlock(self) -> None:
        self._drive("relay", True)

    def lock(self) -> None:
        self._drive("relay", False)

    def set_indicator(self, name: str, on: bool) -> None:
        if name not in INDICATOR_NAMES:
            raise ValueError(f"indicator {name!r}: no such output (expected one of {', '.join(INDICATOR_NAMES)})")
        self._drive(name, on)

    def poll(self) -> list[InputEdge]:
        elapsed = self._clock.monotonic() - self._started_at
        while self._script and self._script[0].at_s <= elapsed:
            step = self._script.pop(0)
            if step.input == "exit_button" and step.active:
                self.press_exit_button()  # a momentary button: pressed and released
            else:
                self._set_input(step.input, step.active)
        pending, self._pending = self._pending, []
        return pending

    def close(self) -> None:
        self.lock()

    # Scenario side: what a person does to the door.
    def open_door(self) -> None:
        self._set_input("door_contact", True)

    def close_door(self) -> None:
        self._set_input("door_contact", False)

    def press_exit_button(self) -> None:
        self._set_input("exit_button", True)
        self._set_input("exit_button", False)

    def _set_input(self, name: str, active: bool) -> None:
        if self._inputs[name] != active:
            self._inputs[name] = active
            self._pending.append(InputEdge(name, active, self._clock.monotonic()))

    def _drive(self, name: str, active: bool) -> None:
        if self._outputs.get(name) == active:
            return  # driving an output to the level it has is not an edge
        self._outputs[name] = active
        edge = Edge(name, active, self._clock.monotonic())
        self.edges.append(edge)
        if self._edges_file is not None:
            record = {"t": edge.at, "wall": self._clock.wall(), "output": name, "active": active}
            with self._edges_file.open("a", encoding="utf-8") as out:
                out.write(json.dumps(record) + "\n")
                out.flush()
