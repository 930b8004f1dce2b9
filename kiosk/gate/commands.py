"""Commands the gate machine emits; the runner carries them out on the devices and the store."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Decision:
    """A verdict with the reasons behind it: what the person sees, what the audit stores, what tests assert on."""

    at: float
    verdict: str  # "granted" or "denied"
    reasons: tuple[str, ...]
    message: str  # for the person
    detail: str  # for the operator, e.g. "DENIED temperature-high: 38.1 °C is at or above the 37.8 °C limit"
    subject: str | None = None
    checks: dict[str, str] = field(default_factory=dict)  # check name -> status value
    temperature_above: bool | None = None
    temperature_c: float | None = None
    holder_id: str | None = None  # the credential's pseudonymous holder: lets 'people forget' find the visit


@dataclass(frozen=True)
class Unlock:
    for_s: float
    reason: str  # "granted" or "exit-button"


@dataclass(frozen=True)
class Lock:
    reason: str


@dataclass(frozen=True)
class Show:
    text: str


@dataclass(frozen=True)
class Say:
    text: str


@dataclass(frozen=True)
class Indicate:
    """Set the indicator lights: "green", "red" or "off" (buzzer sounds with red)."""

    signal: str


@dataclass(frozen=True)
class ReportCard:
    """Report a grant to the access-control panel as a read of card `number` (`over` "osdp" or "wiegand")."""

    number: int
    over: str


@dataclass(frozen=True)
class Record:
    decision: Decision


@dataclass(frozen=True)
class RaiseAlarm:
    kind: str  # "door-held-open" or "door-forced-open"
    message: str


@dataclass(frozen=True)
class ClearAlarm:
    kind: str


@dataclass(frozen=True)
class Note:
    """Something worth recording that is not a decision (exit button, alarms, visit reset)."""

    kind: str
    detail: str


@dataclass(frozen=True)
class StartVisit:
    """A new person started: capabilities reset per-person state (e.g. the temperature estimator)."""

    holder_id: str | None = None


Command = Unlock | Lock | Show | Say | Indicate | Record | Note | RaiseAlarm | ClearAlarm | StartVisit | ReportCard
