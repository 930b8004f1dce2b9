from __future__ import annotations

import socket
from pathlib import Path

from hardware.clock import ManualClock
from kiosk.service.systemd import SystemdNotifier


def receive_all(sock: socket.socket) -> list[str]:
    messages = []
    sock.setblocking(False)
    while True:
        try:
            messages.append(sock.recv(4096).decode())
        except BlockingIOError:
            return messages


def test_notifier_sends_ready_status_stopping_and_rate_limited_pings(tmp_path: Path) -> None:
    path = str(tmp_path / "notify.sock")
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as server:
        server.bind(path)
        clock = ManualClock()
        notifier = SystemdNotifier(clock, {"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "2000000"})
        notifier.ready()
        notifier.status("serving")
        notifier.ping()
        notifier.ping()  # within half the interval: not sent
        clock.advance(1.0)
        notifier.ping()
        notifier.stopping()
        assert receive_all(server) == ["READY=1", "STATUS=serving", "WATCHDOG=1", "WATCHDOG=1", "STOPPING=1"]


def test_notifier_does_nothing_without_systemd() -> None:
    notifier = SystemdNotifier(ManualClock(), {})
    assert not notifier.enabled
    notifier.ready()
    notifier.ping()
