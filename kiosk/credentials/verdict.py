"""The verifier's answer: a typed verdict naming the stage that failed, a reason code and a sentence."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

STAGES = (
    "prefix",
    "encoding",
    "decompression",
    "structure",
    "signature",
    "key-usage",
    "schema",
    "validity-period",
    "revoked",
    "policy",
    "request",
)


@dataclass(frozen=True)
class Verification:
    """The verdict on one credential. `stage` is "ok" when valid, else the first stage that failed.

    `subject_ref` is a keyed pseudonym of the credential identifier (for revocation and audit);
    `holder_id` is the pseudonymous subject of a kiosk pass (for 1:1 face matching). Neither ever
    holds a name or a birth date.
    """

    valid: bool
    stage: str
    reason: str
    message: str
    format: str
    subject_ref: str | None = None
    holder_id: str | None = None
    valid_until: datetime | None = None


class Rejected(Exception):
    """Stops a verification pipeline at a stage; `CredentialVerifier.verify` returns it as a Verification.

    Raised only inside this package: a pipeline is a straight line of checks, and each check can
    end it. It never escapes the verifier.
    """

    def __init__(self, stage: str, reason: str, message: str) -> None:
        if stage not in STAGES:
            raise ValueError(f"unknown verification stage {stage!r} (expected one of {', '.join(STAGES)})")
        super().__init__(f"{stage}/{reason}: {message}")
        self.stage = stage
        self.reason = reason
        self.message = message

    def verdict(self, format: str) -> Verification:
        return Verification(valid=False, stage=self.stage, reason=self.reason, message=self.message, format=format)


@dataclass(frozen=True)
class Accepted:
    """What a format's pipeline hands back when every check passed.

    `identifier` is the credential's own id (UVCI, rid, pass id); the verifier turns it into a keyed
    pseudonym and never returns it as is.
    """

    message: str
    identifier: str | None
    valid_until: datetime | None
    holder_id: str | None = None
