"""The JSONL batch protocol of `kiosk credential verify --batch`: one verdict line per request line, in order.

Request: {"id": str, "text": str, "at": ISO 8601, "trust_certs": [base64 DER X.509, ...]}
Answer:  {"id": ..., "valid": bool, "stage": str, "reason": str}; a malformed line answers stage "request".
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime, timezone
from typing import IO, Any

from kiosk.credentials.config import CredentialsConfig
from kiosk.credentials.trust import TrustStore
from kiosk.credentials.verifier import CredentialVerifier


class _BadRequest(ValueError):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def run_batch(lines: IO[str], out: IO[str], config: CredentialsConfig | None = None) -> None:
    config = config or CredentialsConfig()
    verifiers: dict[tuple[str, ...], CredentialVerifier] = {}
    for line in lines:
        request_id = _request_id(line)
        try:
            request = _parse(line)
            certificates = tuple(request["trust_certs"])
            if certificates not in verifiers:
                verifiers[certificates] = CredentialVerifier(_trust(certificates), config)
            verdict = verifiers[certificates].verify(request["text"], request["at"])
            answer = {"id": request_id, "valid": verdict.valid, "stage": verdict.stage, "reason": verdict.reason}
        except _BadRequest as err:
            answer = {"id": request_id, "valid": False, "stage": "request", "reason": err.reason}
        out.write(json.dumps(answer) + "\n")
        out.flush()


def _request_id(line: str) -> str | None:
    """The request's id, when the line is a JSON object with a string id, so even a bad request is answered by id."""
    try:
        request = json.loads(line)
    except (ValueError, RecursionError):
        return None
    request_id = request.get("id") if isinstance(request, dict) else None
    return request_id if isinstance(request_id, str) else None


def _parse(line: str) -> dict[str, Any]:
    try:
        request = json.loads(line)
    except (ValueError, RecursionError) as err:
        raise _BadRequest("bad-json") from err
    if not isinstance(request, dict):
        raise _BadRequest("not-an-object")
    for name, kind in (("id", str), ("text", str), ("at", str), ("trust_certs", list)):
        if not isinstance(request.get(name), kind):
            raise _BadRequest(f"bad-{name.replace('_', '-')}")
    try:
        at = datetime.fromisoformat(request["at"])
    except ValueError as err:
        raise _BadRequest("bad-at") from err
    request["at"] = at if at.tzinfo else at.replace(tzinfo=timezone.utc)
    if not all(isinstance(cert, str) for cert in request["trust_certs"]):
        raise _BadRequest("bad-trust-certs")
    return request


def _trust(certificates: tuple[str, ...]) -> TrustStore:
    try:
        return TrustStore.from_certificates(base64.b64decode(cert, validate=True) for cert in certificates)
    except (binascii.Error, ValueError) as err:
        raise _BadRequest("bad-trust-certs") from err
