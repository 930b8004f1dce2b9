"""What the gate screen shows, handed from the gate loop to the web server through one latest-value slot.

The runner calls `command` and `step` (the `Display` protocol) from the gate loop; they take a lock
for a few assignments and return, so the gate never waits on the web server. The web server reads
`view()` and `latest_frame()` from its own thread. Nothing personal crosses: the view carries the
step, the person's sentence, the verdict and (where allowed) the temperature, never a subject,
holder or credential.

Between visits the screen invites a pass only while the gate would decide one: during an
evacuation, a lock-down or a clock fault it shows a notice instead (see `NOTICES`).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from hardware.camera import Frame
from hardware.clock import Clock
from kiosk.gate.commands import ClearAlarm, Command, Lock, RaiseAlarm, Record, Show, StartVisit, Unlock
from kiosk.gate.machine import CLOCK_MESSAGE, EVACUATION, LOCKED_DOWN
from kiosk.screens.catalogue import Translator

# The step label the screen shows for each check (policy check names); unknown checks show the message only.
STEP_LABELS = {
    "credential": "Show your pass",
    "face": "Look at the camera",
    "mask": "Look at the camera",
    "temperature": "Hold still for the temperature",
}

# What the screen says instead of "show your pass" while the gate refuses every visit or starts none:
# kind -> (title, sentence or ""). The same words as the machine's denials, so the screen never contradicts a verdict.
NOTICES = {
    "evacuation": (EVACUATION.message, ""),
    "lock-down": (LOCKED_DOWN.message, ""),
    "clock": ("Out of service", CLOCK_MESSAGE),
}


def notice_kind(mode: str, clock_fault: str | None) -> str | None:
    """The notice the gate's mode calls for: an evacuation outranks a lock-down, which outranks a clock fault."""
    if mode in ("evacuation", "lock-down"):
        return mode
    if clock_fault is not None:
        return "clock"
    return None


@dataclass(frozen=True)
class _Verdict:
    verdict: str  # "granted" or "denied"
    sentence: str
    temperature_c: float | None
    until: float  # on the slot's clock


class GateScreenState:
    """The latest state of the gate for its screen; safe to call from the gate loop and the web server."""

    def __init__(self, translate: Translator, hold_s: float, show_temperature: bool, stalled_after_s: float, clock: Clock) -> None:
        self._translate = translate
        self._hold_s = hold_s
        self._show_temperature = show_temperature
        self._stalled_after_s = stalled_after_s
        self._clock = clock
        self._lock = threading.Lock()
        self._seq = 0
        self._step = ""
        self._message = ""
        self._in_visit = False
        self._verdict: _Verdict | None = None
        self._camera = "absent"
        self._frame: Frame | None = None
        self._frame_seq = 0
        self._last_step_at: float | None = None
        self._stopped = False
        self._door_unlocked = False
        self._alarms: set[str] = set()
        self._mode: str | None = None  # None until the runner's first turn
        self._clock_fault: str | None = None
        self._notice: str | None = None

    # The gate loop's side (the runner's Display) ---------------------------------------------

    def command(self, command: Command) -> None:
        now = self._clock.monotonic()
        with self._lock:
            if isinstance(command, (Lock, Unlock)):
                self._door_unlocked = isinstance(command, Unlock)
                return  # for the operator only: the person's screen shows the verdict, not the relay
            if isinstance(command, RaiseAlarm):
                self._alarms.add(command.kind)
                return
            if isinstance(command, ClearAlarm):
                self._alarms.discard(command.kind)
                return
            if isinstance(command, Show):
                self._message = self._translate(command.text)
            elif isinstance(command, StartVisit):
                self._in_visit, self._verdict, self._message = True, None, ""
            elif isinstance(command, Record):
                decision = command.decision
                shown_c = decision.temperature_c if self._show_temperature else None
                self._in_visit = False
                self._verdict = _Verdict(decision.verdict, self._translate(decision.message), shown_c, now + self._hold_s)
            else:
                return
            self._seq += 1

    def step(self, awaiting: str, frame: Frame | None, camera: str, mode: str, clock_fault: str | None) -> None:
        now = self._clock.monotonic()
        notice = notice_kind(mode, clock_fault)
        with self._lock:
            self._last_step_at = now
            self._mode, self._clock_fault = mode, clock_fault
            if frame is not None:
                self._frame, self._frame_seq = frame, self._frame_seq + 1
            elif camera != "up":
                self._frame = None  # never a stale picture of someone once the camera is down
            if (awaiting, camera, notice) != (self._step, self._camera, self._notice):
                if notice is not None and notice != self._notice:
                    self._verdict = None  # a "granted" from before the gate closed never stays up beside the notice
                self._step, self._camera, self._notice = awaiting, camera, notice
                self._seq += 1

    def stopped(self) -> None:
        """The service is shutting down: the screen says out of service from now on."""
        with self._lock:
            self._stopped, self._verdict, self._frame = True, None, None
            self._seq += 1

    # The web server's side ----------------------------------------------------------------

    def view(self) -> dict[str, object]:
        """What the page shows now, as JSON-ready data; `seq` changes whenever anything shown changes."""
        now = self._clock.monotonic()
        with self._lock:
            gate = self._gate_status(now)
            verdict = self._verdict if gate == "serving" and self._verdict and now < self._verdict.until else None
            message = self._message if gate == "serving" and (self._in_visit or verdict) else ""
            invitation = "" if self._notice is not None else STEP_LABELS.get(self._step, "")
            return {
                "seq": self._seq,
                "gate": gate,
                "step": self._step,
                "step_label": self._translate(invitation),
                "notice": self._notice_view() if gate == "serving" else None,
                "message": message,
                "verdict": None
                if verdict is None
                else {
                    "verdict": verdict.verdict,
                    "sentence": verdict.sentence,
                    "temperature_c": verdict.temperature_c,
                    "hold_ms": round((verdict.until - now) * 1000),
                },
                "camera": self._camera,
            }

    def operator_view(self) -> dict[str, object]:
        """The gate's state for the operator page: loop, camera, relay, alarms, mode, and whether it decides by its clock.

        `clock_trusted` is the gate's own view (a clock in holdover is trusted), None before the loop's first turn.
        """
        with self._lock:
            return {
                "gate": self._gate_status(self._clock.monotonic()),
                "camera": self._camera,
                "door": "unlocked" if self._door_unlocked else "locked",
                "alarms": sorted(self._alarms),
                "mode": self._mode or "unknown",
                "clock_trusted": None if self._mode is None else self._clock_fault is None,
                "clock_fault": self._clock_fault,
            }

    def _notice_view(self) -> dict[str, str] | None:
        if self._notice is None:
            return None
        title, sentence = NOTICES[self._notice]
        return {"kind": self._notice, "title": self._translate(title), "sentence": self._translate(sentence)}

    def latest_frame(self) -> tuple[int, Frame | None]:
        with self._lock:
            return self._frame_seq, self._frame

    def _gate_status(self, now: float) -> str:
        if self._stopped:
            return "stopped"
        if self._last_step_at is None:
            return "starting"
        return "stalled" if now - self._last_step_at > self._stalled_after_s else "serving"
