"""One contract for every door implementation that runs here: simulated, and the GPIO driver on a fake RPi.GPIO."""

from __future__ import annotations

import json
import sys
import types
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from hardware.clock import ManualClock
from hardware.door import Door, GpioDoorConfig, ScriptedInput, SimulatedDoorConfig, open_door
from hardware.door.simulated import SimulatedDoor
from tests.hardware.fake_rpi_gpio import make_fake_gpio


@pytest.fixture
def fake_gpio(monkeypatch: pytest.MonkeyPatch) -> types.ModuleType:
    gpio = make_fake_gpio()
    package = types.ModuleType("RPi")
    package.GPIO = gpio
    monkeypatch.setitem(sys.modules, "RPi", package)
    monkeypatch.setitem(sys.modules, "RPi.GPIO", gpio)
    return gpio


@pytest.fixture(params=["simulated", "gpio"])
def door_factory(request: pytest.FixtureRequest, clock: ManualClock) -> Iterator[Callable[[], Door]]:
    if request.param == "gpio":
        request.getfixturevalue("fake_gpio")
        yield lambda: open_door(GpioDoorConfig(), clock)
    else:
        yield lambda: open_door(SimulatedDoorConfig(), clock)


def test_door_starts_locked(door_factory: Callable[[], Door]) -> None:
    assert not door_factory().is_unlocked


def test_unlock_and_lock(door_factory: Callable[[], Door]) -> None:
    door = door_factory()
    door.unlock()
    assert door.is_unlocked
    door.lock()
    assert not door.is_unlocked


def test_close_leaves_the_door_locked(door_factory: Callable[[], Door]) -> None:
    door = door_factory()
    door.unlock()
    door.close()
    assert not door.is_unlocked


def test_unknown_indicator_is_named(door_factory: Callable[[], Door]) -> None:
    with pytest.raises(ValueError, match="indicator 'blue': no such output"):
        door_factory().set_indicator("blue", True)


def test_no_input_edges_without_input_changes(door_factory: Callable[[], Door]) -> None:
    assert door_factory().poll() == []


@pytest.mark.parametrize(
    ("fail_mode", "active_high", "locked_level", "unlocked_level"),
    [("secure", False, 1, 0), ("secure", True, 0, 1), ("safe", False, 0, 1), ("safe", True, 1, 0)],
)
def test_gpio_relay_levels_follow_fail_mode_and_board_polarity(
    fake_gpio: types.ModuleType, clock: ManualClock, fail_mode: str, active_high: bool, locked_level: int, unlocked_level: int
) -> None:
    config = GpioDoorConfig(fail_mode=fail_mode, relay_active_high=active_high)
    door = open_door(config, clock)
    assert fake_gpio.history[0] == (config.relay_pin, locked_level), "the relay is driven locked before any other pin"
    door.unlock()
    assert fake_gpio.levels[config.relay_pin] == unlocked_level
    door.close()
    assert fake_gpio.levels[config.relay_pin] == locked_level
    assert config.relay_pin in fake_gpio.modes, "close() keeps driving the relay pin at its locked level"


def test_gpio_inputs_are_debounced(fake_gpio: types.ModuleType, clock: ManualClock) -> None:
    config = GpioDoorConfig(debounce_ms=30)
    door = open_door(config, clock)
    fake_gpio.levels[config.exit_button_pin] = 0  # pressed pulls low
    assert door.poll() == []
    clock.advance(0.01)
    fake_gpio.levels[config.exit_button_pin] = 1  # a bounce
    assert door.poll() == []
    fake_gpio.levels[config.exit_button_pin] = 0
    assert door.poll() == []
    clock.advance(0.03)
    [edge] = door.poll()
    assert (edge.name, edge.active) == ("exit_button", True)
    fake_gpio.levels[config.door_contact_pin] = 0  # closed (open reads high)
    clock.advance(0.05)
    door.poll()
    clock.advance(0.05)
    assert [(e.name, e.active) for e in door.poll()] == [("door_contact", False)]


def test_simulated_door_records_every_edge_with_time_to_jsonl(tmp_path: Path, clock: ManualClock) -> None:
    path = tmp_path / "edges.jsonl"
    door = SimulatedDoor(SimulatedDoorConfig(edges_file=str(path)), clock)
    clock.advance(1.5)
    door.unlock()
    door.set_indicator("green", True)
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert [(r["t"], r["output"], r["active"]) for r in lines] == [(0.0, "relay", False), (1.5, "relay", True), (1.5, "green", True)]


def test_simulated_door_plays_its_input_script(clock: ManualClock) -> None:
    script = [ScriptedInput(at_s=2.0, input="door_contact", active=True), ScriptedInput(at_s=1.0, input="exit_button", active=True)]
    door = SimulatedDoor(SimulatedDoorConfig(script=script), clock)
    clock.advance(1.0)
    assert [(e.name, e.active) for e in door.poll()] == [("exit_button", True), ("exit_button", False)]
    clock.advance(1.0)
    assert [(e.name, e.active, e.at) for e in door.poll()] == [("door_contact", True, 2.0)]
