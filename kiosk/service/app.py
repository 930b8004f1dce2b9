"""Assemble the gate from the configuration and run it as a service until a signal stops it."""

from __future__ import annotations

import contextlib
import importlib
import logging
import signal
import socket
from collections.abc import Callable, Iterator

import cv2

from hardware.camera import open_camera
from hardware.clock import Clock
from hardware.door import Door, open_door
from hardware.feedback import open_feedback
from kiosk.config.dump import dump_config
from kiosk.config.schema import KioskConfig
from kiosk.errors import CapabilityUnavailable, ConfigError
from kiosk.fleet.commands import load_operator_keys
from kiosk.fleet.desk import MACHINE_ACTIONS, CommandDesk
from kiosk.fleet.discovery import discovery_messages
from kiosk.fleet.metrics import GateMetrics, MetricsServer
from kiosk.fleet.state import ClockState, gate_state
from kiosk.gate.machine import GateMachine
from kiosk.gate.policy import GatePolicy
from kiosk.gate.runner import CheckSource, Display, GateRunner, Recorder
from kiosk.panel.link import open_panel
from kiosk.screens.catalogue import Translator
from kiosk.screens.feedback import TranslatedFeedback
from kiosk.operator.site import OperatorPage, open_operator_page
from kiosk.screens.gate_screen import GateScreen, open_gate_screen, screen_state
from kiosk.screens.state import GateScreenState
from kiosk.service.clock_sync import Holdover, clock_fault
from kiosk.service.clock_watch import ClockWatch
from kiosk.service.publisher import MqttPublisher
from kiosk.service.recording import StoreRecorder, last_run_was_clean
from kiosk.service.sources.unavailable import UnavailableSource
from kiosk.service.systemd import SystemdNotifier
from kiosk.service.trust_keeper import TRUST_ACTIONS, TrustKeeper, TrustUpdateRequests
from kiosk.storage.lock import DatabaseLock
from kiosk.storage.nonces import NonceStore
from kiosk.storage.storage import Storage

logger = logging.getLogger(__name__)

# Each check named in gate.checks is provided by a capability: "module:function(config, clock, storage) -> CheckSource".
SOURCE_BUILDERS: dict[str, str] = {
    "credential": "kiosk.service.sources.credential:build_credential_source",
    "temperature": "kiosk.service.sources.temperature:build_temperature_source",
    "face": "kiosk.service.sources.face:build_face_source",
    "mask": "kiosk.service.sources.face:build_face_source",
    "liveness": "kiosk.service.sources.face:build_face_source",
}


def build_sources(config: KioskConfig, clock: Clock, storage: Storage) -> list[CheckSource]:
    """One source per capability named in gate.checks.

    A capability that cannot run (CapabilityUnavailable) is replaced by a source that reports its
    checks unavailable, so every visit that needs them is denied: a check is never dropped.
    """
    sources: list[CheckSource] = []
    for check in config.gate.checks:
        if any(check in source.checks for source in sources):
            continue  # one source may serve several checks (face and mask)
        spec = SOURCE_BUILDERS.get(check)
        if spec is None:
            available = ", ".join(SOURCE_BUILDERS) or "none"
            raise ConfigError([f"gate.checks: check {check!r} has no capability installed in this build (available: {available})"])
        module_name, _, function_name = spec.partition(":")
        build: Callable[[KioskConfig, Clock, Storage], CheckSource] = getattr(importlib.import_module(module_name), function_name)
        try:
            sources.append(build(config, clock, storage))
        except CapabilityUnavailable as err:
            served = tuple(c for c in config.gate.checks if SOURCE_BUILDERS.get(c) == spec)
            logger.error("%s check unavailable, every visit will be denied %s-unavailable: %s", check, check, err)
            sources.append(UnavailableSource(served, str(err)))
    return sources


def build_runner(
    config: KioskConfig,
    clock: Clock,
    door: Door,
    storage: Storage,
    recorder: Recorder,
    display: Display | None = None,
    metrics: GateMetrics | None = None,
) -> GateRunner:
    # The display and the voice speak the configured language, from the same catalogue as the gate screen.
    feedback = TranslatedFeedback(open_feedback(config.feedback, clock), Translator.for_language(config.screens.language))
    sources = build_sources(config, clock, storage)
    for source in sources:
        if isinstance(source, UnavailableSource):  # on the record: why every visit is being denied
            recorder.note("check-unavailable", f"{', '.join(source.checks)}: {source.why}", clock.wall())
    camera = open_camera(config.camera, clock) if any(s.needs_camera for s in sources) else None
    panel = open_panel(config, clock)
    policy = GatePolicy.from_config(config.gate, door_mode=config.door.mode, cards=config.panel.cards)
    return GateRunner(GateMachine(policy), door, feedback, camera, sources, recorder, clock, display, panel=panel, observer=metrics)


def run_service(config: KioskConfig, clock: Clock) -> int:
    """Serve until SIGTERM/SIGINT; returns the exit code. The relay ends locked whatever happens.

    The database lock comes first: a second kiosk on the same database stops before it touches
    the door or writes anything. Then signal handlers go in, so a stop requested during start-up
    is honoured once serving begins; then the door is opened, so the relay is driven locked
    before anything else happens. Storage refuses a broken audit chain (the door stays locked).
    """
    with DatabaseLock.acquire(config.storage.path), _stop_requests() as stop:
        door = open_door(config.door, clock)
        # One loop does everything in turn: OpenCV's own thread pool would only compete with onnxruntime's.
        cv2.setNumThreads(1)
        publisher = MqttPublisher(config) if config.privacy.mqtt_broker else None
        metrics = GateMetrics(clock) if config.metrics.port else None
        try:
            storage = Storage.open(config.storage, clock, witnesses=[publisher] if publisher else [])
        except BaseException:
            if publisher is not None:
                publisher.close()
            door.close()
            raise
        screen: GateScreen | None = None
        operator: OperatorPage | None = None
        server: MetricsServer | None = None
        watch = ClockWatch(config.clock.probe_interval_s, Holdover(config.clock.holdover_h * 3600), clock)
        try:
            try:
                desk = _command_desk(config, storage) if publisher is not None else None
                server = _metrics_server(config, metrics)
            except BaseException:
                door.close()  # the relay ends locked: an unreadable operator key or a taken port stops the start
                raise
            screen = _open_screen(config, door)
            state = screen.state if screen else screen_state(config) if config.operator.enabled else None
            runner = _start(config, clock, door, storage, publisher, state, metrics)
            # The one way the running gate changes whom it trusts: remote commands, and updates from the operator page.
            trust = TrustKeeper(config.credentials.trust_dir, storage.audit, runner.sources)
            page_updates = TrustUpdateRequests()
            operator = _open_operator(config, door, state, clock, page_updates)
            watch.start()  # the first answer before serving: a gate never decides by a clock it has not checked
            runner.clock_checked(_clock_check(config, watch, clock)[0])
            notifier = SystemdNotifier(clock)
            notifier.ready()
            notifier.status(f"gate {config.gate.gate_id} serving")
            logger.info("serving", extra={"gate": config.gate.gate_id, "checks": list(config.gate.checks)})
            housekeeping = _housekeeping(config, storage, publisher, desk, runner, trust, page_updates, metrics, watch)
            runner.serve(stop, 1.0 / config.service.loop_hz, watchdog=notifier, housekeeping=housekeeping)
            notifier.stopping()
        finally:
            watch.stop()
            if operator is not None:
                operator.stop()
            if screen is not None:
                screen.stop()
            if server is not None:
                server.close()
            if publisher is not None:
                publisher.close()
            storage.close()
    return 0


def _open_screen(config: KioskConfig, door: Door) -> GateScreen | None:
    """The gate screen beside the gate loop, never in its way: a web fault is logged and the gate goes on."""
    if not config.screens.gate_screen:
        return None
    try:
        return open_gate_screen(config)
    except BaseException:
        door.close()
        raise


def _open_operator(
    config: KioskConfig, door: Door, state: GateScreenState | None, clock: Clock, trust_updates: TrustUpdateRequests
) -> OperatorPage | None:
    """The operator page, beside the gate loop like the gate screen; its trust updates are applied by the loop."""
    if not config.operator.enabled:
        return None
    try:
        return open_operator_page(config, state, clock=clock, trust_updates=trust_updates.submit)
    except BaseException:
        door.close()
        raise


def _start(
    config: KioskConfig,
    clock: Clock,
    door: Door,
    storage: Storage,
    publisher: MqttPublisher | None,
    display: Display | None,
    metrics: GateMetrics | None,
) -> GateRunner:
    """Build the runner on the open door and storage, and record the start (and how the last run ended)."""
    clean = last_run_was_clean(storage)
    storage.audit.record_config(dump_config(config))
    try:
        recorder = StoreRecorder(storage, config.gate.gate_id, publisher, counter=metrics)
        runner = build_runner(config, clock, door, storage, recorder, display, metrics)
    except BaseException:
        door.close()
        raise
    detail = "relay driven locked"
    if config.door.mode != "relay":
        detail += f"; door.mode {config.door.mode}: grants are reported to the access-control panel as card reads"
    if not clean:
        detail += "; the previous run ended without shutting down (killed, crashed or power lost)"
        logger.warning("previous run did not shut down; relay driven locked at start-up")
    try:
        runner.start(detail)
    except BaseException:
        runner.shut_down()
        raise
    if not config.clock.require_sync:
        recorder.note("clock", "clock.require_sync = false: visits are decided whether or not the clock is synchronised", clock.wall())
    return runner


def _clock_check(config: KioskConfig, watch: ClockWatch, clock: Clock) -> tuple[str | None, ClockState]:
    """Why the clock cannot be trusted now (None: it can), and the clock's state for the health topic."""
    sync = watch.latest
    fault = clock_fault(sync, clock.wall(), config.clock.require_sync)
    return fault, ClockState(sync.state, sync.source, fault is None)


def _housekeeping(
    config: KioskConfig,
    storage: Storage,
    publisher: MqttPublisher | None,
    desk: CommandDesk | None,
    runner: GateRunner,
    trust: TrustKeeper,
    page_updates: TrustUpdateRequests,
    metrics: GateMetrics | None,
    watch: ClockWatch,
) -> Callable[[], None]:
    """Once per loop: the hourly purge when due; the clock's latest answer in; trust updates from the page and remote
    commands in; state and outbox out; metrics."""
    if publisher is not None and desk is not None:
        publisher.listen_for_commands()
    if publisher is not None and config.mqtt.home_assistant_discovery:
        publisher.publish_discovery(discovery_messages(config.gate.gate_id))

    def tick() -> None:
        storage.tick()
        fault, clock_state = _clock_check(config, watch, storage.clock)
        runner.clock_checked(fault)
        page_updates.serve(trust)
        if publisher is not None:
            if desk is not None:
                for action, raw in publisher.received_commands():
                    verdict = desk.receive(action, raw, storage.clock.wall(), clock_fault=fault)
                    if verdict.ok and verdict.command is not None and action in TRUST_ACTIONS:
                        trust.run(verdict.command)
                    elif verdict.ok:
                        runner.operator_command(action)
            publisher.publish_state(gate_state(runner, clock_state))
            publisher.pump(storage.outbox)
        if metrics is not None:
            metrics.link(storage.outbox.depth(), publisher is not None and publisher.is_connected)
            metrics.clock(clock_state.is_trusted)
            metrics.loop_ran()

    return tick


def _metrics_server(config: KioskConfig, metrics: GateMetrics | None) -> MetricsServer | None:
    if metrics is None:
        return None
    try:
        server = MetricsServer(metrics, config.metrics.bind, config.metrics.port, config.metrics.healthz_stale_s)
    except OSError as err:
        where = f"{config.metrics.bind}:{config.metrics.port}"
        raise ConfigError([f"metrics.port = {config.metrics.port}: cannot listen on {where} ({err.strerror or err}; expected a free port)"]) from err
    logger.info("metrics on http://%s:%d/metrics", config.metrics.bind, server.port)
    return server


def _command_desk(config: KioskConfig, storage: Storage) -> CommandDesk | None:
    """The desk for signed remote commands, when commands.operator_keys_dir names the operators' keys."""
    if config.commands.operator_keys_dir is None:
        return None
    keys = load_operator_keys(config.commands.operator_keys_dir)
    supported = MACHINE_ACTIONS | TRUST_ACTIONS
    desk = CommandDesk(config.gate.gate_id, config.commands, keys, NonceStore(storage.db), storage.audit, supported)
    desk.forget_old_nonces(storage.clock.wall())
    logger.info("remote commands accepted from %d operator key(s)", len(keys))
    return desk


@contextlib.contextmanager
def _stop_requests() -> Iterator[socket.socket]:
    """SIGTERM and SIGINT become a byte on a socket the runner's selector waits on (restored on exit)."""
    stop_reader, stop_writer = socket.socketpair()
    stop_writer.setblocking(False)

    def request_stop(signum: int, _frame: object) -> None:
        try:
            stop_writer.send(bytes([signum]))
        except BlockingIOError:
            pass  # a stop request is already pending

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield stop_reader
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        stop_reader.close()
        stop_writer.close()
