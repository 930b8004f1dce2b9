"""The gate screen put together: its state slot (handed to the runner) and its web server."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from hardware.clock import SystemClock
from kiosk.config.schema import KioskConfig
from kiosk.errors import KioskError
from kiosk.screens.catalogue import Translator
from kiosk.screens.gate_app import gate_screen_app
from kiosk.screens.server import ScreenServer
from kiosk.screens.state import GateScreenState

logger = logging.getLogger(__name__)


@dataclass
class GateScreen:
    state: GateScreenState
    server: ScreenServer | None  # None when the port could not be opened: the gate runs without its screen

    def stop(self) -> None:
        self.state.stopped()
        if self.server is not None:
            self.server.stop()


def screen_state(config: KioskConfig) -> GateScreenState:
    """The slot the runner writes and the screens read.

    Its clock is the real one even under a simulated gate: "the loop went silent" is about real time.
    """
    screens = config.screens
    return GateScreenState(
        Translator.for_language(screens.language), config.gate.decision_hold_s, screens.show_temperature, screens.stalled_after_s, SystemClock()
    )


def open_gate_screen(config: KioskConfig, port: int | None = None) -> GateScreen:
    """Start the gate screen's server (on `port` if given, else screens.gate_port).

    A port that cannot be opened is logged, not raised: the gate decides and drives the door
    without its screen, and `kiosk doctor`-style logs say why the screen is dark.
    """
    screens = config.screens
    state = screen_state(config)
    try:
        server = ScreenServer(gate_screen_app(state, screens), screens.gate_host, screens.gate_port if port is None else port, "gate screen")
    except KioskError as err:
        logger.error("gate screen unavailable: %s", err)
        return GateScreen(state, None)
    server.start()
    return GateScreen(state, server)
