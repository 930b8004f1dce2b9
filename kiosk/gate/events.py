"""Events the gate machine consumes. Each carries its own monotonic time `at` (seconds)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Status(Enum):
    """How a check came out for the person in front of the gate."""

    PASSED = "passed"
    FAILED = "failed"  # definitive: the visit is denied
    RETRY = "retry"  # not conclusive yet (e.g. hold still, re-measure): prompt and keep waiting
    UNAVAILABLE = "unavailable"  # the device or model behind the check is down


@dataclass(frozen=True)
class Outcome:
    """A check's result, already explained.

    `reason` is a stable code (`temperature-high`), `detail` the sentence for the operator and the
    audit (`38.1 °C is at or above the 37.8 °C limit`), `message` the sentence for the person.
    `subject` is a pseudonymous reference for the audit; `holder_id` a credential's pseudonymous
    subject id, which the face check may match 1:1 against.
    """

    status: Status
    reason: str
    detail: str
    message: str
    subject: str | None = None
    holder_id: str | None = None
    above_threshold: bool | None = None
    value_c: float | None = None


@dataclass(frozen=True)
class CheckReported:
    """A check (credential, face, mask, temperature, or one a later capability adds) reported."""

    at: float
    check: str
    outcome: Outcome


@dataclass(frozen=True)
class DoorOpened:
    at: float


@dataclass(frozen=True)
class DoorClosed:
    at: float


@dataclass(frozen=True)
class ExitPressed:
    at: float


@dataclass(frozen=True)
class Tick:
    """Time passed; lets deadlines (unlock, visit timeout, held-open) fire with no other event."""

    at: float


@dataclass(frozen=True)
class OperatorCommand:
    """A remote command that has already passed verification (signature, freshness, nonce) and been audited.

    `action`: "unlock-once", "lock-down", "lift-lock-down", "evacuate" or "end-evacuation".
    """

    at: float
    action: str


@dataclass(frozen=True)
class ClockChecked:
    """What the service found of the wall clock: `fault` says why it cannot be trusted, None when it can."""

    at: float
    fault: str | None


Event = CheckReported | DoorOpened | DoorClosed | ExitPressed | Tick | OperatorCommand | ClockChecked
