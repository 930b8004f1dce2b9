"""Is the system clock synchronised? Asked of systemd-timesyncd (timedatectl) or chrony (chronyc).

A Raspberry Pi has no real-time clock: until NTP answers after boot its clock may be days off, and
every validity check (pass expiry, rotating codes, command freshness) is then wrong. "unknown"
(neither tool answers, as in a container) is never taken for synchronised.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass

Run = Callable[[Sequence[str]], "subprocess.CompletedProcess[str] | None"]


@dataclass(frozen=True)
class ClockSync:
    state: str  # "synchronised", "unsynchronised" or "unknown"
    detail: str


def run_tool(command: Sequence[str]) -> subprocess.CompletedProcess[str] | None:
    """Run `command` for its output; None when the tool is missing or hangs."""
    try:
        return subprocess.run(list(command), capture_output=True, text=True, timeout=5, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None


def clock_sync(run: Run = run_tool) -> ClockSync:
    timedatectl = run(["timedatectl", "show", "-p", "NTPSynchronized", "--value"])
    if timedatectl is not None and timedatectl.returncode == 0 and timedatectl.stdout.strip() in ("yes", "no"):
        if timedatectl.stdout.strip() == "yes":
            return ClockSync("synchronised", "timedatectl: NTPSynchronized=yes")
        return ClockSync("unsynchronised", "timedatectl: NTPSynchronized=no (no NTP server answered yet)")
    chrony = run(["chronyc", "-n", "tracking"])
    if chrony is not None and chrony.returncode == 0:
        leap = next((line.split(":", 1)[1].strip() for line in chrony.stdout.splitlines() if line.startswith("Leap status")), None)
        if leap == "Normal":
            return ClockSync("synchronised", "chronyc: leap status Normal")
        if leap is not None:
            return ClockSync("unsynchronised", f"chronyc: leap status {leap}")
    return ClockSync("unknown", "neither timedatectl nor chronyc reports the clock's synchronisation")
