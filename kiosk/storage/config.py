"""The `[storage]` config section: where the database lives, which keys protect it, how long data is kept."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from hardware.settings import setting

@dataclass(frozen=True)
class StorageConfig:
    path: Path = setting(Path("/var/lib/kiosk/kiosk.db"), "SQLite database of decisions, enrolments and the audit log")
    retention_days: float = setting(
        14.0, "decision events older than this are purged (at start-up and hourly), days", min=0.04, max=366
    )
    device_key_file: Path = setting(
        Path("/var/lib/kiosk/device.key"),
        "32-byte device key: keys the pseudonymous subject references and the audit HMAC; created if absent",
    )
    audit_hmac: bool = setting(True, "chain audit records with an HMAC under the device key (false: plain SHA-256)")
    audit_syslog: str = setting(
        "/dev/log",
        "AF_UNIX datagram socket sent the audit head after every commit, for a log server off the device to keep"
        " ('': off; skipped while the socket does not exist)",
    )
    embeddings_key_file: Path | None = setting(
        None, "32-byte key file; when set, face embeddings are encrypted at rest (AES-256-GCM)"
    )
    record_temperature_values: bool = setting(
        False, "store the measured temperature in °C with each decision (false: only above/below the threshold)"
    )
    consent_max_days: int = setting(365, "longest consent period an enrolment may be given, days", min=1, max=3660)
    debug_capture_hours: float = setting(
        0.0, "opt-in debug capture: keep camera frames for at most this many hours (0: never store images)", min=0, max=72
    )
    debug_capture_dir: Path = setting(Path("/var/lib/kiosk/debug-frames"), "where debug capture frames are kept")
