"""Witnesses of the audit head: after every commit the newest (seq, digest) leaves the process.

On the device alone, someone who rewrites the database and its head file together (or rolls both
back to a copy) leaves a chain that verifies. A head that was seen somewhere else cannot be taken
back: a log server that collects these lines (or the MQTT broker's retained `audit_head` topic)
shows the sequence going backwards or a digest that no longer matches.
"""

from __future__ import annotations

import logging
import os
import socket
from pathlib import Path

from kiosk.storage.audit import HeadWitness
from kiosk.storage.config import StorageConfig

logger = logging.getLogger(__name__)

# RFC 3164 priority: facility auth (4) * 8 + severity notice (5); auth is what log servers usually forward.
_PRIORITY = 4 * 8 + 5


class LogWitness:
    """One structured log line per head; under systemd the service's stdout goes to the journal."""

    def __init__(self, database: Path) -> None:
        self._database = str(database)

    def publish_head(self, seq: int, digest: str) -> None:
        logger.info("audit head", extra={"database": self._database, "seq": seq, "digest": digest})


class SyslogWitness:
    """Sends `kiosk-audit[pid]: audit-head database=... seq=N digest=...` to a syslog datagram socket.

    Never blocks and never raises: a full or absent socket loses that line (and says so once),
    because the door must not wait for a log server.
    """

    def __init__(self, address: str, database: Path) -> None:
        self._address = address
        self._database = str(database)
        self._socket = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self._socket.setblocking(False)
        self._failing = False

    def publish_head(self, seq: int, digest: str) -> None:
        line = f"<{_PRIORITY}>kiosk-audit[{os.getpid()}]: audit-head database={self._database} seq={seq} digest={digest}"
        try:
            self._socket.sendto(line.encode("utf-8", "replace"), self._address)
        except OSError as err:
            if not self._failing:
                logger.warning("audit head not sent to syslog socket %s (%s); the next head will be tried", self._address, err.strerror or err)
            self._failing = True
        else:
            self._failing = False


def witnesses_for(config: StorageConfig) -> list[HeadWitness]:
    """The witnesses the storage config asks for: always the log line, and syslog when its socket exists."""
    witnesses: list[HeadWitness] = [LogWitness(config.path)]
    if config.audit_syslog and Path(config.audit_syslog).exists():
        witnesses.append(SyslogWitness(config.audit_syslog, config.path))
    elif config.audit_syslog:
        logger.info("syslog socket %s absent: audit heads go to the log only", config.audit_syslog)
    return witnesses
