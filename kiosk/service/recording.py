"""Recorders: where the runner sends decisions and notable events."""

from __future__ import annotations

import logging

from kiosk.gate.commands import Decision

logger = logging.getLogger("kiosk.events")


class LogRecorder:
    """Decisions and notes as structured log lines: reason codes and pseudonymous refs, never names."""

    def decision(self, decision: Decision, wall: float) -> None:
        logger.info(
            "decision",
            extra={
                "event": "decision",
                "wall": wall,
                "verdict": decision.verdict,
                "reasons": list(decision.reasons),
                "subject_ref": decision.subject,
                "temperature_above": decision.temperature_above,
            },
        )

    def note(self, kind: str, detail: str, wall: float) -> None:
        logger.info("note", extra={"event": kind, "wall": wall, "detail": detail})
