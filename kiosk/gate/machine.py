"""The gate loop as a pure state machine: `GateMachine.handle(event) -> list[Command]`.

No threads, sleeps, I/O or clock reads: every event carries its time, and deadlines are
comparisons with it. The machine knows checks only by name and `Outcome`, so a capability
added later plugs in by reporting outcomes for a check named in the policy.

A visit starts when the policy's first check reports (usually the credential) and ends with
exactly one decision: granted once every required check passed, denied at the first failed or
unavailable check, or denied when the visit times out.

The lock is released only for `unlock_s` after a grant or `exit_unlock_s` after an exit press. A
new visit relocks a lock still released for someone else, and every denial drives the lock, so a
person being denied never finds the door open.

With a panel (`policy.panel`, door.mode 'panel-osdp' or 'panel-wiegand') the building's
access-control panel owns the door, its contact and its exit button: a grant becomes
`ReportCard` with the person's configured card number instead of `Unlock`, door and exit events
are the panel's business, and a grant for someone with no card number is a denial.

Verified operator commands arrive as `OperatorCommand` events. "lock-down" denies every visit
(`locked-down`) and refuses remote unlocks until "lift-lock-down"; the lock stays driven locked
against entry. The exit button still releases it: a lock-down keeps people out, it never traps
anyone in (free egress; a maglock has no mechanical override, `hardware.md` §3.1). "evacuate" releases the lock until "end-evacuation" and outranks a lock-down:
no visit starts, no held-open alarm sounds and closing the door does not relock it.

`ClockChecked` events carry whether the wall clock can be trusted (the service probes it off the
loop). While it cannot, every visit is denied `clock-unsynchronised`: pass validity, rotating codes
and revocation cut-offs are all judged by that clock. The exit button is not affected.
"""

from __future__ import annotations

from dataclasses import dataclass, field

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
from kiosk.gate.policy import GatePolicy

WELCOME = "Welcome. Please show your pass to start."
GRANTED_MESSAGE = "Access granted. Please enter."
OPERATOR_MESSAGE = "Please wait: a member of staff will help you."
PANEL_GRANTED_MESSAGE = "Access granted. Please enter when the door opens."
NO_CARD_MESSAGE = "No card is set up for you at this door. Please see a member of staff."
LOCKED_DOWN = Outcome(Status.FAILED, "locked-down", "the gate is locked down by an operator", "This entrance is closed.")
CLOCK_MESSAGE = "This gate's clock is not set, so passes cannot be checked. Please see a member of staff."
EVACUATION = Outcome(Status.FAILED, "evacuation", "an operator started an evacuation", "Evacuation: please leave the building.")


@dataclass
class _Visit:
    started_at: float
    deadline: float
    outcomes: dict[str, Outcome] = field(default_factory=dict)

    @property
    def subject(self) -> str | None:
        return next((o.subject for o in self.outcomes.values() if o.subject), None)

    @property
    def holder_id(self) -> str | None:
        return next((o.holder_id for o in self.outcomes.values() if o.holder_id), None)


class GateMachine:
    def __init__(self, policy: GatePolicy) -> None:
        self._policy = policy
        self._visit: _Visit | None = None
        self._unlocked_until: float | None = None
        self._door_open = False
        self._door_opened_at = 0.0
        self._entered_since_unlock = False
        self._alarms: set[str] = set()
        self._quiet_until = float("-inf")
        self._is_locked_down = False
        self._is_evacuating = False
        self._clock_fault: str | None = None

    @property
    def holder_id(self) -> str | None:
        """The current visit's credential holder (pseudonymous), for 1:1 face matching."""
        return self._visit.holder_id if self._visit else None

    @property
    def in_visit(self) -> bool:
        return self._visit is not None

    @property
    def awaiting(self) -> str:
        """The check the person is asked for now: the first pending one in a visit, else the first of the policy."""
        if self._visit is None:
            return self._policy.checks[0]
        pending = self._pending_checks(self._visit)
        return pending[0] if pending else self._policy.checks[-1]

    def listens_to(self, check: str, now: float) -> bool:
        """Whether an outcome of `check` would count now: during a visit, or for the first check
        once the last verdict's hold is over. Sources use it not to spend a credential for nothing."""
        if self._is_evacuating:
            return False
        if self._visit is not None:
            return check in self._policy.checks
        return check == self._policy.checks[0] and now >= self._quiet_until

    @property
    def is_unlocked(self) -> bool:
        return self._unlocked_until is not None

    @property
    def alarms(self) -> frozenset[str]:
        return frozenset(self._alarms)

    @property
    def is_door_open(self) -> bool:
        """The door contact as last reported."""
        return self._door_open

    @property
    def mode(self) -> str:
        """"evacuation", "lock-down" or "normal"."""
        return "evacuation" if self._is_evacuating else "lock-down" if self._is_locked_down else "normal"

    @property
    def clock_fault(self) -> str | None:
        """Why the wall clock cannot be trusted, so every visit is denied clock-unsynchronised; None when it can."""
        return self._clock_fault

    def start(self) -> list[Command]:
        """Commands for start-up: drive the lock, clear the lights, greet."""
        return [Lock("start-up"), Indicate("off"), Show(WELCOME)]

    def handle(self, event: Event) -> list[Command]:
        commands = self._expire(event.at)
        if isinstance(event, CheckReported):
            commands += self._on_check(event)
        elif self._policy.panel is not None and isinstance(event, (DoorOpened, DoorClosed, ExitPressed)):
            pass  # the panel's door: its contact, exit button and alarms are the panel's
        elif isinstance(event, DoorOpened):
            commands += self._on_door_opened(event.at)
        elif isinstance(event, DoorClosed):
            commands += self._on_door_closed()
        elif isinstance(event, ExitPressed):
            commands += self._on_exit(event.at)
        elif isinstance(event, OperatorCommand):
            commands += self._on_operator(event)
        elif isinstance(event, ClockChecked):
            commands += self._on_clock(event)
        elif not isinstance(event, Tick):
            raise TypeError(f"gate machine: unknown event {event!r}")
        return commands

    # Deadlines -------------------------------------------------------------------------------

    def _expire(self, now: float) -> list[Command]:
        commands: list[Command] = []
        if self._unlocked_until is not None and now >= self._unlocked_until:
            commands += self._lock("unlock-time-over")
        if self._visit is not None and now >= self._visit.deadline:
            pending = self._pending_checks(self._visit)
            commands += self._deny(
                now,
                Outcome(
                    Status.FAILED,
                    "timeout",
                    f"{', '.join(pending)} not completed within {self._policy.visit_timeout_s:g} s",
                    "Time is up. Please start again.",
                ),
            )
        held_for = now - self._door_opened_at
        if (
            self._door_open
            and not self._is_evacuating
            and "door-held-open" not in self._alarms
            and held_for >= self._policy.held_open_alarm_s
        ):
            self._alarms.add("door-held-open")
            text = f"door open for {held_for:.0f} s (limit {self._policy.held_open_alarm_s:g} s)"
            commands += [RaiseAlarm("door-held-open", text), Show("Please close the door."), Indicate("red")]
        return commands

    # Checks ----------------------------------------------------------------------------------

    def _on_check(self, event: CheckReported) -> list[Command]:
        if event.check not in self._policy.checks or self._is_evacuating:
            return []
        outcome = event.outcome
        if self._visit is None:
            return self._maybe_start_visit(event)
        if (
            event.check == self._policy.checks[0]
            and event.check in self._visit.outcomes
            and outcome.subject is not None
            and outcome.subject != self._visit.subject
        ):
            # Someone else presented a credential mid-visit: the earlier visit is abandoned.
            abandoned = Outcome(Status.FAILED, "visit-abandoned", "a new credential was presented", "Please start again.")
            return self._deny(event.at, abandoned) + self._maybe_start_visit(event)
        return self._advance(event.at, event.check, outcome)

    def _maybe_start_visit(self, event: CheckReported) -> list[Command]:
        if event.check != self._policy.checks[0] or event.at < self._quiet_until:
            return []
        if event.outcome.status is Status.RETRY:
            return [Show(event.outcome.message)]
        if event.outcome.status is Status.UNAVAILABLE:
            return [Show(f"Out of service: {event.outcome.message}")]
        relock = self._lock("new-visit") if self._unlocked_until is not None else []
        self._visit = _Visit(started_at=event.at, deadline=event.at + self._policy.visit_timeout_s)
        if self._is_locked_down:
            self._visit.outcomes[event.check] = event.outcome  # the decision names whose credential it refused
            return [StartVisit(event.outcome.holder_id)] + self._deny(event.at, LOCKED_DOWN)
        if self._clock_fault is not None:
            self._visit.outcomes[event.check] = event.outcome
            return relock + [StartVisit(event.outcome.holder_id)] + self._deny(event.at, self._clock_outcome())
        return relock + [StartVisit(event.outcome.holder_id)] + self._advance(event.at, event.check, event.outcome)

    def _advance(self, now: float, check: str, outcome: Outcome) -> list[Command]:
        assert self._visit is not None
        if outcome.status is Status.FAILED:
            self._visit.outcomes[check] = outcome
            return self._deny(now, outcome)
        if outcome.status is Status.UNAVAILABLE:
            self._visit.outcomes[check] = outcome
            return self._deny_unavailable(now, check, outcome)
        if outcome.status is Status.RETRY:
            if check in self._visit.outcomes:
                return []  # a late retry never undoes a pass
            return [Show(outcome.message)]
        self._visit.outcomes[check] = outcome
        pending = self._pending_checks(self._visit)
        if not pending:
            return self._grant(now)
        return [Show(self._policy.prompt_for(pending[0]))]

    def _pending_checks(self, visit: _Visit) -> list[str]:
        return [c for c in self._policy.checks if visit.outcomes.get(c, None) is None or visit.outcomes[c].status is not Status.PASSED]

    def _deny_unavailable(self, now: float, check: str, outcome: Outcome) -> list[Command]:
        reason = f"{check}-unavailable"
        detail = f"{check} check unavailable: {outcome.detail}"
        if self._policy.when_check_unavailable == "operator":
            referred = Outcome(Status.UNAVAILABLE, reason, detail, f"{outcome.message} {OPERATOR_MESSAGE}")
            return self._deny(now, referred, extra_reasons=("operator-required",))
        return self._deny(now, Outcome(Status.UNAVAILABLE, reason, detail, outcome.message))

    # Verdicts --------------------------------------------------------------------------------

    def _grant(self, now: float) -> list[Command]:
        visit = self._visit
        assert visit is not None
        if self._policy.panel is not None:
            return self._report_to_panel(now, visit, self._policy.panel)
        summary = "; ".join(f"{check}: {visit.outcomes[check].detail}" for check in self._policy.checks)
        reasons = tuple(visit.outcomes[check].reason for check in self._policy.checks)
        decision = self._decision(now, visit, "granted", reasons, GRANTED_MESSAGE, f"GRANTED: {summary}")
        self._end_visit(now)
        until = now + self._policy.unlock_s
        self._unlocked_until = max(until, self._unlocked_until or until)
        self._entered_since_unlock = False
        return [Record(decision), Show(GRANTED_MESSAGE), Say(GRANTED_MESSAGE), Indicate("green"), Unlock(self._policy.unlock_s, "granted")]

    def _report_to_panel(self, now: float, visit: _Visit, panel: str) -> list[Command]:
        """A grant as a card read: the panel decides; no card number configured is a denial, never a silent drop."""
        card = self._card_for(visit)
        if card is None:
            detail = "no card number configured for this person (panel.cards has no entry for the pass holder or the recognised person)"
            return self._deny(now, Outcome(Status.FAILED, "no-card-number", detail, NO_CARD_MESSAGE))
        summary = "; ".join(f"{check}: {visit.outcomes[check].detail}" for check in self._policy.checks)
        reasons = tuple(visit.outcomes[check].reason for check in self._policy.checks)
        detail = f"GRANTED: {summary}; reported to the panel over {panel}"
        decision = self._decision(now, visit, "granted", reasons, PANEL_GRANTED_MESSAGE, detail)
        self._end_visit(now)
        return [Record(decision), Show(PANEL_GRANTED_MESSAGE), Say(PANEL_GRANTED_MESSAGE), Indicate("green"), ReportCard(card, panel)]

    def _card_for(self, visit: _Visit) -> int | None:
        """The card of the pass holder, else of a check's pseudonymous subject (the recognised person), in policy order."""
        references = [visit.holder_id, *(visit.outcomes[check].subject for check in self._policy.checks)]
        return next((self._policy.cards[ref] for ref in references if ref is not None and ref in self._policy.cards), None)

    def _deny(self, now: float, outcome: Outcome, extra_reasons: tuple[str, ...] = ()) -> list[Command]:
        visit = self._visit
        assert visit is not None
        message = f"Entry denied. {outcome.message}"
        reasons = (outcome.reason, *extra_reasons)
        decision = self._decision(now, visit, "denied", reasons, message, f"DENIED {outcome.reason}: {outcome.detail}")
        self._end_visit(now)
        self._unlocked_until = None  # driven even when already locked: a denial never leaves the door released
        return [Lock("denied"), Record(decision), Show(message), Say(message), Indicate("red")]

    def _decision(
        self, now: float, visit: _Visit, verdict: str, reasons: tuple[str, ...], message: str, detail: str
    ) -> Decision:
        temperature = visit.outcomes.get("temperature")
        return Decision(
            at=now,
            verdict=verdict,
            reasons=reasons,
            message=message,
            detail=detail,
            subject=visit.subject,
            checks={check: outcome.status.value for check, outcome in visit.outcomes.items()},
            temperature_above=temperature.above_threshold if temperature else None,
            temperature_c=temperature.value_c if temperature else None,
            holder_id=visit.holder_id,
        )

    def _end_visit(self, now: float) -> None:
        self._visit = None
        self._quiet_until = now + self._policy.hold_s

    # Door ------------------------------------------------------------------------------------

    def _lock(self, reason: str) -> list[Command]:
        self._unlocked_until = None
        return [Lock(reason), Indicate("red" if self._alarms else "off")]

    def _on_door_opened(self, now: float) -> list[Command]:
        self._door_open = True
        self._door_opened_at = now
        if self._unlocked_until is not None:
            self._entered_since_unlock = True
            return []
        self._alarms.add("door-forced-open")
        return [RaiseAlarm("door-forced-open", "door opened while locked, without a grant or the exit button"), Indicate("red")]

    def _on_door_closed(self) -> list[Command]:
        self._door_open = False
        commands: list[Command] = [ClearAlarm(kind) for kind in sorted(self._alarms)]
        self._alarms.clear()
        if self._unlocked_until is not None and self._entered_since_unlock and not self._is_evacuating:
            commands += self._lock("door-closed")  # one opening per grant: no tailgating on the rest of the time
        elif commands:
            commands.append(Indicate("off"))
        return commands

    def _on_exit(self, now: float) -> list[Command]:
        """Free egress, in every mode: the exit button is on the inside, so a lock-down never traps anyone."""
        until = now + self._policy.exit_unlock_s
        if self._unlocked_until is not None and self._unlocked_until >= until:
            return [Note("exit-button", "pressed while already unlocked")]
        self._unlocked_until = until
        self._entered_since_unlock = False
        during = " (free egress during the lock-down)" if self._is_locked_down else ""
        released = Note("exit-button", f"lock released for {self._policy.exit_unlock_s:g} s{during}")
        return [released, Unlock(self._policy.exit_unlock_s, "exit-button")]

    # Clock -----------------------------------------------------------------------------------

    def _clock_outcome(self) -> Outcome:
        return Outcome(Status.FAILED, "clock-unsynchronised", f"{self._clock_fault}; every visit is denied until it is", CLOCK_MESSAGE)

    def _on_clock(self, event: ClockChecked) -> list[Command]:
        if event.fault == self._clock_fault:
            return []
        was_trusted, self._clock_fault = self._clock_fault is None, event.fault
        idle_and_normal = self._visit is None and self.mode == "normal"  # an evacuation or lock-down keeps its own sentence
        if event.fault is None:
            return [Note("clock", "trusted again: visits are decided")] + ([Show(WELCOME)] if idle_and_normal else [])
        commands: list[Command] = [Note("clock", f"not trusted: {event.fault}; every visit is denied clock-unsynchronised")]
        if was_trusted and self._visit is not None:
            commands += self._deny(event.at, self._clock_outcome())
        elif idle_and_normal:
            commands.append(Show(f"Out of service: {CLOCK_MESSAGE}"))  # not an invitation to show a pass that will be refused
        return commands

    # Operator commands -----------------------------------------------------------------------

    def _on_operator(self, event: OperatorCommand) -> list[Command]:
        action = event.action
        if action == "evacuate":
            commands = self._deny(event.at, EVACUATION) if self._visit is not None else []
            self._is_evacuating = True
            self._unlocked_until = float("inf")
            self._entered_since_unlock = False
            started = Note("evacuation", "started: lock released until end-evacuation")
            return commands + [started, Unlock(float("inf"), "evacuation"), Show(EVACUATION.message), Indicate("green")]
        if action == "end-evacuation":
            if not self._is_evacuating:
                return [Note("evacuation", "end-evacuation while none was running: nothing to do")]
            self._is_evacuating = False
            return [Note("evacuation", "ended: lock driven locked"), *self._lock("evacuation-ended"), Show(WELCOME)]
        if action == "lock-down":
            self._is_locked_down = True
            commands = self._deny(event.at, LOCKED_DOWN) if self._visit is not None else []
            if self._is_evacuating:
                return commands + [Note("lock-down", "recorded; the evacuation keeps the lock released until it ends")]
            return commands + [Note("lock-down", "every visit refused until lifted"), *self._lock("lock-down"), Show(LOCKED_DOWN.message)]
        if action == "lift-lock-down":
            self._is_locked_down = False
            return [Note("lock-down", "lifted"), Show(WELCOME)]
        if action == "unlock-once":
            if self._is_locked_down or self._is_evacuating:
                return [Note("remote-unlock", f"refused during {self.mode}")]
            self._unlocked_until = event.at + self._policy.unlock_s
            self._entered_since_unlock = False
            return [Note("remote-unlock", f"lock released for {self._policy.unlock_s:g} s"), Unlock(self._policy.unlock_s, "remote-unlock")]
        raise ValueError(f"gate machine: operator action {action!r} is not one the machine carries out")
