"""`kiosk demo`: a scripted scenario on simulated devices that finishes in seconds, with no hardware or network."""

from __future__ import annotations

import argparse
import json
import logging
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk.cli import EXIT_OK, Command
from kiosk.errors import KioskError
from kiosk.screens.catalogue import LANGUAGES

if TYPE_CHECKING:
    from hardware.clock import Clock
    from kiosk.config.schema import KioskConfig
    from kiosk.operator.site import OperatorPage
    from kiosk.screens.gate_screen import GateScreen
    from kiosk.screens.state import GateScreenState


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of the timeline")
    parser.add_argument(
        "--models-dir", default="", help="folder with the face models (default: vision.models_dir, $KIOSK_MODELS_DIR)"
    )
    parser.add_argument(
        "--door-mode", choices=("relay", "panel-wiegand"), default="relay",
        help="'panel-wiegand': grants go to a simulated access-control panel as Wiegand card reads instead of the relay",
    )
    parser.add_argument(
        "--screen",
        action="store_true",
        help="serve the gate screen (127.0.0.1:PORT) and the operator page (127.0.0.1:OPERATOR_PORT) and play the scenario in real time (about 90 s)",
    )
    parser.add_argument("--port", type=int, default=8080, help="the gate screen's port with --screen (default 8080)")
    parser.add_argument("--operator-port", type=int, default=8443, help="the operator page's port with --screen (default 8443)")
    parser.add_argument("--language", choices=LANGUAGES, default="en", help="the gate screen's language with --screen")


def _demo(args: argparse.Namespace) -> int:
    from kiosk.demo.report import demo_summary, demo_timeline
    from kiosk.demo.scenario import Demo

    # The timeline tells the story; the service's warnings (alarms, unplugged sensor) would repeat it.
    logging.getLogger("kiosk").setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory(prefix="kiosk-demo-") as workdir:
        screen = _open_screen(Path(workdir), args) if args.screen else None
        demo = Demo(Path(workdir), args.models_dir, args.door_mode, screen.state if screen else None, time.sleep if screen else None)
        operator = _open_operator(Path(workdir), args, screen.state, demo.world.clock) if screen else None
        try:
            demo.play()
        finally:
            demo.world.storage.close()
            if operator is not None:
                operator.stop()
            if screen is not None:
                screen.stop()
        print(json.dumps(demo_summary(demo.world)) if args.json else demo_timeline(demo.world))
    return EXIT_OK


def _screens_config(workdir: Path, args: argparse.Namespace) -> KioskConfig:
    from kiosk.demo.world import demo_config
    from kiosk.operator.config import OperatorConfig
    from kiosk.screens.config import ScreensConfig

    for flag, port in (("--port", args.port), ("--operator-port", args.operator_port)):
        if not 1024 <= port <= 65535:
            raise KioskError(f"{flag} {port}: expected a port number 1024–65535")
    screens = ScreensConfig(language=args.language, gate_screen=True, gate_port=args.port)
    operator = OperatorConfig(enabled=True, port=args.operator_port, accounts_file=workdir / "operators.json")
    return replace(demo_config(workdir, args.models_dir), screens=screens, operator=operator)


def _open_screen(workdir: Path, args: argparse.Namespace) -> GateScreen:
    from kiosk.screens.gate_screen import open_gate_screen

    screen = open_gate_screen(_screens_config(workdir, args))
    if screen.server is None:
        raise KioskError(f"gate screen: cannot listen on 127.0.0.1:{args.port} (expected a free port; choose another with --port)")
    print(f"gate screen: {screen.server.url} (open it in a browser; the scenario plays in real time)", flush=True)
    return screen


def _open_operator(workdir: Path, args: argparse.Namespace, state: GateScreenState, clock: Clock) -> OperatorPage:
    """The operator page on the demo's database and clock (consents and passes dated as the demo gate sees time),
    with a one-off account whose password is printed."""
    import secrets

    from kiosk.operator.site import open_operator_page

    config = _screens_config(workdir, args)
    page = open_operator_page(config, state, clock=clock)
    if page.server is None:
        raise KioskError(f"operator page: cannot listen on 127.0.0.1:{args.operator_port} (expected a free port; choose another with --operator-port)")
    password = secrets.token_urlsafe(12)
    page.site.accounts.add("demo", password)
    print(f"operator page: {page.server.url} (log in as 'demo' with password {password})", flush=True)
    return page


COMMANDS = [Command(("demo",), "run a scripted gate on simulated devices (seconds, no hardware)", _demo, _add_arguments)]
