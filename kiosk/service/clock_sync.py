"""Is the system clock synchronised? Asked of systemd-timesyncd (timedatectl) or chrony (chronyc).

A Raspberry Pi has no real-time clock: until NTP answers after boot its clock may be days off, and
every validity check (pass expiry, rotating codes, command freshness) is then wrong. "unknown"
(neither tool answers, as in a container) is never taken for synchronised. Whatever the tools say,
a clock that reads earlier than `BUILD_FLOOR` is wrong: this release did not exist then.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone

Run = Callable[[Sequence[str]], "subprocess.CompletedProcess[str] | None"]

# No earlier than the day this release was built (raise it with each release): a wall clock before it is certainly wrong.
BUILD_FLOOR = datetime(2026, 11, 1, tzinfo=timezone.utc)
TOOL_WAIT_S = 5.0


@dataclass(frozen=True)
class ClockSync:
    state: str  # "synchronised", "unsynchronised" or "unknown"
    source: str  # the tool that answered: "timedatectl", "chronyc", or "none"
    detail: str


def run_tool(command: Sequence[str]) -> subprocess.CompletedProcess[str] | None:
    """Run `command` for its output; None when the tool is missing or hangs."""
    try:
        return subprocess.run(list(command), capture_output=True, text=True, timeout=TOOL_WAIT_S, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None


def clock_sync(run: Run = run_tool) -> ClockSync:
    timedatectl = run(["timedatectl", "show", "-p", "NTPSynchronized", "--value"])
    if timedatectl is not None and timedatectl.returncode == 0 and timedatectl.stdout.strip() in ("yes", "no"):
        if timedatectl.stdout.strip() == "yes":
            return ClockSync("synchronised", "timedatectl", "timedatectl: NTPSynchronized=yes")
        return ClockSync("unsynchronised", "timedatectl", "timedatectl: NTPSynchronized=no (no NTP server answered yet)")
    chrony = run(["chronyc", "-n", "tracking"])
    if chrony is not None and chrony.returncode == 0:
        leap = next((line.split(":", 1)[1].strip() for line in chrony.stdout.splitlines() if line.startswith("Leap status")), None)
        if leap == "Normal":
            return ClockSync("synchronised", "chronyc", "chronyc: leap status Normal")
        if leap is not None:
            return ClockSync("unsynchronised", "chronyc", f"chronyc: leap status {leap}")
    return ClockSync("unknown", "none", "neither timedatectl nor chronyc reports the clock's synchronisation")


def clock_fault(sync: ClockSync, wall: float, require_sync: bool) -> str | None:
    """Why the gate must not decide by its clock now (a sentence for the operator), or None when it may."""
    if wall < BUILD_FLOOR.timestamp():
        shown = datetime.fromtimestamp(wall, tz=timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        return f"the clock reads {shown}, before this release was built ({BUILD_FLOOR:%Y-%m-%d}): it is certainly wrong"
    if require_sync and sync.state != "synchronised":
        return f"the clock is {sync.state} ({sync.detail})"
    return None


def clock_synchronised(run: Run = run_tool) -> dict[str, object]:
    """{"synchronised": True | False | None, "detail"} for the operator's status page; None when it cannot be told."""
    sync = clock_sync(run)
    return {"synchronised": {"synchronised": True, "unsynchronised": False}.get(sync.state), "detail": sync.detail}
