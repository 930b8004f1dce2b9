"""sd_notify without libsystemd: READY, STOPPING, STATUS and watchdog pings over NOTIFY_SOCKET.

Does nothing when NOTIFY_SOCKET is unset (not started by systemd), so the same code runs anywhere.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping

from hardware.clock import Clock


class SystemdNotifier:
    def __init__(self, clock: Clock, environ: Mapping[str, str] | None = None) -> None:
        env = os.environ if environ is None else environ
        self._clock = clock
        address = env.get("NOTIFY_SOCKET", "")
        self._address = "\0" + address[1:] if address.startswith("@") else address
        usec = env.get("WATCHDOG_USEC", "")
        # Ping at half the watchdog interval, as sd_watchdog_enabled(3) advises.
        self._ping_every_s = int(usec) / 2e6 if usec.isdigit() and int(usec) > 0 else None
        self._last_ping = float("-inf")

    @property
    def enabled(self) -> bool:
        return bool(self._address)

    def _send(self, message: str) -> None:
        if not self._address:
            return
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
            sock.sendto(message.encode(), self._address)

    def ready(self) -> None:
        self._send("READY=1")

    def stopping(self) -> None:
        self._send("STOPPING=1")

    def status(self, text: str) -> None:
        self._send(f"STATUS={text}")

    def ping(self) -> None:
        """Watchdog ping, rate-limited to half of WATCHDOG_USEC; a no-op without a watchdog."""
        if self._ping_every_s is None:
            return
        now = self._clock.monotonic()
        if now - self._last_ping >= self._ping_every_s:
            self._last_ping = now
            self._send("WATCHDOG=1")
