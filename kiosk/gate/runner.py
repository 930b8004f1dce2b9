"""The gate's I/O loop: reads devices and capabilities, feeds the machine, carries out its commands.

One iteration (`step`) never waits; `serve` repeats it, waiting on one selector for the next frame
time or a stop request (signals arrive as bytes on a socket pair, installed by the caller). The
relay is locked when serving ends for any reason: a stop request, an error, or a bug.
"""

from __future__ import annotations

import logging
import selectors
import socket
from collections.abc import Callable, Sequence
from typing import Protocol

from hardware.camera import Camera, Frame
from hardware.clock import Clock
from hardware.door import Door
from hardware.errors import DeviceUnavailable
from hardware.feedback import Feedback
from hardware.osdp import PanelBuzzer, PanelCommand, PanelLed, PanelText
from kiosk.gate.commands import (
    ClearAlarm,
    Command,
    Decision,
    Indicate,
    Lock,
    Note,
    RaiseAlarm,
    Record,
    ReportCard,
    Say,
    Show,
    StartVisit,
    Unlock,
)
from kiosk.gate.events import CheckReported, ClockChecked, DoorClosed, DoorOpened, Event, ExitPressed, OperatorCommand, Outcome, Status, Tick
from kiosk.gate.machine import GateMachine
from kiosk.gate.restart import Backoff

logger = logging.getLogger(__name__)


class CheckSource(Protocol):
    """A capability seen by the gate: it turns what it observes into outcomes for its checks.

    `poll` gets the current camera frame (None when the source does not use the camera or the
    camera is down) and whether the gate listens to the source's checks right now, and returns
    `(check, outcome)` pairs observed since the last call. One source may report several checks
    from one observation (the face source reports "face" and "mask").
    """

    checks: tuple[str, ...]
    needs_camera: bool

    def poll(self, now: float, frame: Frame | None, listening: bool) -> list[tuple[str, Outcome]]: ...

    def start_visit(self, holder_id: str | None) -> None: ...

    def close(self) -> None: ...


class Recorder(Protocol):
    """Where decisions and notable events go (the database and the audit log in service)."""

    def decision(self, decision: Decision, wall: float) -> None: ...

    def note(self, kind: str, detail: str, wall: float) -> None: ...


class PanelLink(Protocol):
    """The access-control panel (door.mode 'panel-osdp' / 'panel-wiegand').

    `report` sends a card read and returns what it sent ("card 45678 (facility 123, 26-bit)") or
    raises DeviceUnavailable; `poll` returns the panel's commands for the kiosk's lights and display.
    """

    def report(self, number: int) -> str: ...

    def poll(self) -> list[PanelCommand]: ...

    def close(self) -> None: ...


class Display(Protocol):
    """Where the runner hands what the person should see (the gate screen). Its methods must return at
    once: they only store the latest value, and the runner never waits on whoever reads it."""

    def command(self, command: Command) -> None: ...

    def step(self, awaiting: str, frame: Frame | None, camera: str, mode: str, clock_fault: str | None) -> None:
        """Once per loop turn: the check asked for, the latest frame, the camera's state ("up", "down",
        or "absent" when no check uses one), the gate's mode (`GateMachine.mode`) and why its clock
        cannot be trusted (`GateMachine.clock_fault`; None when it can)."""


class Watchdog(Protocol):
    def ping(self) -> None: ...


PANEL_DOWN_MESSAGE = "The door controller did not get your card. Please see a member of staff."


class LoopObserver(Protocol):
    """Told how long each source's poll took and which checks came back unavailable (metrics)."""

    def stage(self, name: str, seconds: float) -> None: ...

    def sensor_error(self, check: str) -> None: ...


CAMERA_DOWN = Outcome(Status.UNAVAILABLE, "camera-unavailable", "the camera delivers no frames", "The camera is not working.")


class GateRunner:
    def __init__(
        self,
        machine: GateMachine,
        door: Door,
        feedback: Feedback,
        camera: Camera | None,
        sources: Sequence[CheckSource],
        recorder: Recorder,
        clock: Clock,
        display: Display | None = None,
        panel: PanelLink | None = None,
        observer: LoopObserver | None = None,
    ) -> None:
        self._observer = observer
        self._machine = machine
        self._display = display
        self._door = door
        self._feedback = feedback
        self._camera = camera
        self._sources = list(sources)
        self._recorder = recorder
        self._clock = clock
        self._panel = panel
        self._camera_backoff = Backoff()
        self._camera_up = True
        self._camera_down_news = False  # a new visit must hear that the camera is down
        self._shut_down = False

    @property
    def is_unlocked(self) -> bool:
        return self._machine.is_unlocked

    @property
    def sources(self) -> tuple[CheckSource, ...]:
        return tuple(self._sources)

    @property
    def alarms(self) -> frozenset[str]:
        return self._machine.alarms

    @property
    def mode(self) -> str:
        return self._machine.mode

    @property
    def is_door_open(self) -> bool:
        return self._machine.is_door_open

    def operator_command(self, action: str) -> None:
        """Carry out a verified, audited operator command (see `OperatorCommand`) now."""
        self._execute(self._machine.handle(OperatorCommand(self._clock.monotonic(), action)))

    def clock_checked(self, fault: str | None) -> None:
        """Tell the machine whether the wall clock can be trusted now (`fault`: why not); repeats change nothing."""
        self._execute(self._machine.handle(ClockChecked(self._clock.monotonic(), fault)))

    @property
    def unavailable_checks(self) -> tuple[str, ...]:
        """Checks that would be denied as unavailable now: a capability that could not start, or the camera down."""
        # A source that stands in for a capability that could not start carries `why` (service's UnavailableSource).
        down = [check for source in self._sources if getattr(source, "why", None) is not None for check in source.checks]
        if not self._camera_up:
            down += [check for source in self._sources if source.needs_camera for check in source.checks]
        return tuple(sorted(set(down)))

    def start(self, detail: str = "relay driven locked") -> None:
        """Drive the lock and record that the gate started (and how the last run ended)."""
        self._execute(self._machine.start())
        self._recorder.note("start-up", detail, self._clock.wall())

    def step(self) -> None:
        """One iteration: poll inputs, capabilities and deadlines, and act on every command."""
        now = self._clock.monotonic()
        events: list[Event] = []
        if self._panel is not None:
            for panel_command in self._panel.poll():
                self._follow_panel(panel_command)
        for edge in self._door.poll():
            if edge.name == "door_contact":
                events.append(DoorOpened(edge.at) if edge.active else DoorClosed(edge.at))
            elif edge.name == "exit_button" and edge.active:
                events.append(ExitPressed(edge.at))
        frame, camera_just_failed = self._grab(now)
        report_camera_down = camera_just_failed or self._camera_down_news
        self._camera_down_news = False
        for source in self._sources:
            listening = any(self._machine.listens_to(check, now) for check in source.checks)
            started = self._clock.monotonic()
            if not source.needs_camera:
                outcomes = source.poll(now, None, listening)
            elif frame is not None:
                outcomes = source.poll(now, frame, listening)
            else:
                outcomes = [(check, CAMERA_DOWN) for check in source.checks] if report_camera_down else []
            if self._observer is not None:
                self._observer.stage("+".join(source.checks), self._clock.monotonic() - started)
                for check, outcome in outcomes:
                    if outcome.status is Status.UNAVAILABLE:
                        self._observer.sensor_error(check)
            events.extend(CheckReported(now, check, outcome) for check, outcome in outcomes)
        events.append(Tick(now))
        for event in events:
            self._execute(self._machine.handle(event))
        if self._display is not None:
            camera = "absent" if self._camera is None else "up" if self._camera_up else "down"
            machine = self._machine
            self._tell_display(lambda display: display.step(machine.awaiting, frame, camera, machine.mode, machine.clock_fault))

    def _tell_display(self, call: Callable[[Display], None]) -> None:
        """A fault in the screen is logged and never stops the gate (the door is driven by the loop alone)."""
        assert self._display is not None
        try:
            call(self._display)
        except Exception:  # noqa: BLE001 - any screen bug: the gate keeps deciding and the lock keeps its state
            logger.exception("gate screen update failed; the gate goes on without it")

    def _grab(self, now: float) -> tuple[Frame | None, bool]:
        """The current frame, or None; the flag is True only on the call where the camera failed."""
        if self._camera is None or not any(s.needs_camera for s in self._sources):
            return None, False
        if not self._camera_backoff.may_try(now):
            return None, False
        try:
            frame = self._camera.grab()
        except DeviceUnavailable as err:
            was_up, self._camera_up = self._camera_up, False
            self._camera_backoff.failed(now)
            logger.warning("camera unavailable: %s (next try in %.1f s)", err, self._camera_backoff.delay_s)
            return None, was_up
        if not self._camera_up:
            logger.info("camera delivering frames again")
        self._camera_up = True
        self._camera_backoff.succeeded()
        return frame, False

    def serve(
        self,
        stop: socket.socket,
        period_s: float,
        watchdog: Watchdog | None = None,
        housekeeping: Callable[[], None] | None = None,
    ) -> None:
        """Repeat `step` (then `housekeeping`) until a byte arrives on `stop`; lock the door however it ends."""
        selector = selectors.DefaultSelector()
        selector.register(stop, selectors.EVENT_READ)
        try:
            while True:
                started = self._clock.monotonic()
                self.step()
                if housekeeping is not None:
                    housekeeping()
                if watchdog is not None:
                    watchdog.ping()
                remaining = period_s - (self._clock.monotonic() - started)
                if selector.select(timeout=max(0.0, remaining)):
                    logger.info("stop requested")
                    return
        finally:
            selector.close()
            self.shut_down()

    def shut_down(self) -> None:
        """Lock, record it, close every device; the relay ends locked even if closing fails. Idempotent."""
        if self._shut_down:
            return
        self._shut_down = True
        try:
            self._door.lock()
            self._recorder.note("shut-down", "relay driven locked", self._clock.wall())
        finally:
            for source in self._sources:
                source.close()
            if self._panel is not None:
                self._panel.close()
            if self._camera is not None:
                self._camera.close()
            self._feedback.close()
            self._door.close()

    def _execute(self, commands: list[Command]) -> None:
        for command in commands:
            self._carry_out(command)
            if self._display is not None:
                self._tell_display(lambda display: display.command(command))

    def _carry_out(self, command: Command) -> None:
        wall = self._clock.wall()
        if isinstance(command, Record):
            # Committed before anything else acts on it: the machine emits Record before Unlock.
            self._recorder.decision(command.decision, wall)
            logger.info("decision %s %s", command.decision.verdict, ",".join(command.decision.reasons))
        elif isinstance(command, Unlock):
            if command.reason == "evacuation":
                logger.warning("evacuation: lock released until an operator ends it")
            self._door.unlock()
        elif isinstance(command, Lock):
            self._door.lock()
        elif isinstance(command, Show):
            self._feedback.show(command.text)
        elif isinstance(command, Say):
            self._feedback.say(command.text)
        elif isinstance(command, Indicate):
            self._door.set_indicator("green", command.signal == "green")
            self._door.set_indicator("red", command.signal == "red")
        elif isinstance(command, Note):
            self._recorder.note(command.kind, command.detail, wall)
        elif isinstance(command, RaiseAlarm):
            logger.warning("alarm %s: %s", command.kind, command.message)
            self._door.set_indicator("buzzer", True)
            self._recorder.note("alarm-raised", f"{command.kind}: {command.message}", wall)
        elif isinstance(command, ClearAlarm):
            self._door.set_indicator("buzzer", False)
            self._recorder.note("alarm-cleared", f"{command.kind}: door closed", wall)
        elif isinstance(command, ReportCard):
            self._report_card(command, wall)
        elif isinstance(command, StartVisit):
            self._camera_down_news = not self._camera_up
            for source in self._sources:
                source.start_visit(command.holder_id)
        else:
            raise TypeError(f"gate runner: unknown command {command!r}")

    def _report_card(self, command: ReportCard, wall: float) -> None:
        """Send the card read and audit what was sent; a report that fails is audited and told, the door stays the panel's."""
        try:
            if self._panel is None:
                raise DeviceUnavailable(f"no panel link is open (expected door.mode 'panel-{command.over}')")
            sent = self._panel.report(command.number)
        except (DeviceUnavailable, ValueError) as err:
            logger.error("panel report over %s failed: %s", command.over, err)
            self._recorder.note("panel-report-failed", f"card {command.number} over {command.over}: {err}", wall)
            self._feedback.show(PANEL_DOWN_MESSAGE)
            self._feedback.say(PANEL_DOWN_MESSAGE)
            self._door.set_indicator("green", False)
            self._door.set_indicator("red", True)
            return
        self._recorder.note("panel-report", f"reported {sent} over {command.over}", wall)

    def _follow_panel(self, command: PanelCommand) -> None:
        """The panel's own signals to the person: its text on the display, its LED and buzzer on the kiosk's."""
        if isinstance(command, PanelText):
            self._feedback.show(command.text)
        elif isinstance(command, PanelLed):
            self._door.set_indicator("green", "green" in command.colors)
            self._door.set_indicator("red", "red" in command.colors)
        elif isinstance(command, PanelBuzzer):
            self._door.set_indicator("buzzer", command.on)
