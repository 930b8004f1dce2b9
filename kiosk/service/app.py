"""Assemble the gate from the configuration and run it as a service until a signal stops it."""

from __future__ import annotations

import importlib
import logging
import signal
import socket
from collections.abc import Callable

from hardware.camera import open_camera
from hardware.clock import Clock
from hardware.door import open_door
from hardware.feedback import open_feedback
from kiosk.config.schema import KioskConfig
from kiosk.errors import ConfigError
from kiosk.gate.machine import GateMachine
from kiosk.gate.policy import GatePolicy
from kiosk.gate.runner import CheckSource, GateRunner, Recorder
from kiosk.service.recording import LogRecorder
from kiosk.service.run_marker import RunMarker
from kiosk.service.systemd import SystemdNotifier

logger = logging.getLogger(__name__)

# Each check named in gate.checks is provided by a capability: "module:function(config, clock) -> CheckSource".
SOURCE_BUILDERS: dict[str, str] = {}


def build_sources(config: KioskConfig, clock: Clock) -> list[CheckSource]:
    sources = []
    for check in config.gate.checks:
        spec = SOURCE_BUILDERS.get(check)
        if spec is None:
            raise ConfigError([f"gate.checks: check {check!r} has no capability installed in this build (available: {', '.join(SOURCE_BUILDERS) or 'none'})"])
        module_name, _, function_name = spec.partition(":")
        build: Callable[[KioskConfig, Clock], CheckSource] = getattr(importlib.import_module(module_name), function_name)
        sources.append(build(config, clock))
    return sources


def build_runner(config: KioskConfig, clock: Clock, recorder: Recorder) -> GateRunner:
    """Open every device (the door first, so the relay is driven locked before anything else)."""
    door = open_door(config.door, clock)
    try:
        feedback = open_feedback(config.feedback, clock)
        sources = build_sources(config, clock)
        camera = open_camera(config.camera, clock) if any(s.needs_camera for s in sources) else None
    except BaseException:
        door.close()
        raise
    return GateRunner(GateMachine(GatePolicy.from_config(config.gate)), door, feedback, camera, sources, recorder, clock)


def run_service(config: KioskConfig, clock: Clock) -> int:
    """Serve until SIGTERM/SIGINT; returns the exit code. The relay ends locked whatever happens."""
    marker = RunMarker(config.service.state_dir)
    unclean = marker.begin()
    notifier = SystemdNotifier(clock)
    recorder = LogRecorder()
    runner = build_runner(config, clock, recorder)
    start_detail = "relay driven locked"
    if unclean:
        start_detail += "; the previous run ended without shutting down (killed, crashed or power lost)"
    try:
        runner.start(start_detail)
    except BaseException:
        runner.shut_down()
        raise
    stop_reader, stop_writer = socket.socketpair()
    stop_writer.setblocking(False)

    def request_stop(signum: int, _frame: object) -> None:
        try:
            stop_writer.send(bytes([signum]))
        except BlockingIOError:
            pass  # a stop request is already pending

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        notifier.ready()
        notifier.status(f"gate {config.gate.gate_id} serving")
        logger.info("serving", extra={"gate": config.gate.gate_id, "checks": list(config.gate.checks)})
        runner.serve(stop_reader, 1.0 / config.service.loop_hz, watchdog=notifier)
        notifier.stopping()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        stop_reader.close()
        stop_writer.close()
    marker.end()
    return 0
