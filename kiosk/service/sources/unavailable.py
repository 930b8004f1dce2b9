"""A stand-in for a capability that cannot run: its checks report "unavailable", so the gate denies.

A check named in `gate.checks` is never dropped from the policy. When its capability cannot be
built (a model file missing, say) this source takes its place and answers every visit with
`Status.UNAVAILABLE`, which the gate machine turns into `DENIED <check>-unavailable`.
"""

from __future__ import annotations

from hardware.camera import Frame
from kiosk.gate.events import Outcome, Status


class UnavailableSource:
    needs_camera = False

    def __init__(self, checks: tuple[str, ...], why: str) -> None:
        self.checks = checks
        self.why = why
        self._to_report = True  # once at start (a first check that cannot run: "out of service"), then once per visit

    def poll(self, now: float, frame: Frame | None, listening: bool) -> list[tuple[str, Outcome]]:
        if not listening or not self._to_report:
            return []
        self._to_report = False
        return [(check, self._outcome(check)) for check in self.checks]

    def _outcome(self, check: str) -> Outcome:
        return Outcome(Status.UNAVAILABLE, f"{check}-unavailable", self.why, f"The {check} check is not working.")

    def start_visit(self, holder_id: str | None) -> None:
        self._to_report = True

    def close(self) -> None:
        pass
