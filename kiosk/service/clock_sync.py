"""Is the system clock synchronised? Asked of systemd-timesyncd (timedatectl) or chrony (chronyc).

A Raspberry Pi has no real-time clock: until NTP answers after boot its clock may be days off, and
every validity check (pass expiry, rotating codes, command freshness) is then wrong. "unknown"
(neither tool answers, as in a container) is never taken for synchronised. Whatever the tools say,
a clock that reads earlier than `BUILD_FLOOR` is wrong: this release did not exist then.

A clock that was synchronised and then loses its NTP server is kept for a while ("holdover", see
`Holdover`): the kernel, and so timesyncd, call it unsynchronised about 9 hours after the last NTP
answer (its error bound grows 0.5 ms a second and passes 16 s), when it is still within seconds.
"""

from __future__ import annotations

import math
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone

Run = Callable[[Sequence[str]], "subprocess.CompletedProcess[str] | None"]

# No earlier than the day this release was built (raise it with each release): a wall clock before it is certainly wrong.
BUILD_FLOOR = datetime(2026, 11, 1, tzinfo=timezone.utc)
TOOL_WAIT_S = 5.0
# How far an undisciplined clock may move against the monotonic clock in holdover: a Pi's crystal
# drifts by tens of ppm at most, so more than this is a step (someone set the date) and ends it.
HOLDOVER_DRIFT_PPM = 100.0
HOLDOVER_SLACK_S = 1.0
TRUSTED_STATES = ("synchronised", "holdover")


@dataclass(frozen=True)
class ClockSync:
    state: str  # "synchronised", "holdover" (see Holdover), "unsynchronised" or "unknown"
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
    if not math.isfinite(wall):
        return f"the clock reads {wall}, not a time"
    if wall < BUILD_FLOOR.timestamp():
        shown = datetime.fromtimestamp(wall, tz=timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        return f"the clock reads {shown}, before this release was built ({BUILD_FLOOR:%Y-%m-%d}): it is certainly wrong"
    if require_sync and sync.state not in TRUSTED_STATES:
        return f"the clock is {sync.state} ({sync.detail})"
    return None


class Holdover:
    """Keeps trusting a clock for `limit_s` after the last "synchronised" answer it was shown, unless it stepped.

    The reference is kept in memory (monotonic and wall time together), so it lasts while the
    service runs: a gate restarted during an NTP outage waits for NTP again. Any step of the wall
    clock against the monotonic one beyond a crystal's drift ends the holdover until NTP answers.
    """

    def __init__(self, limit_s: float) -> None:
        self._limit_s = limit_s
        self._synced_at: tuple[float, float] | None = None  # (monotonic, wall) of the last synchronised answer

    def judge(self, sync: ClockSync, wall: float, monotonic: float) -> ClockSync:
        if sync.state == "synchronised":
            self._synced_at = (monotonic, wall)
            return sync
        if self._synced_at is None:
            return sync
        since_s = monotonic - self._synced_at[0]
        step_s = abs((wall - self._synced_at[1]) - since_s)
        if not since_s >= 0:  # the monotonic clock went back (or is not a number): nothing measured since then holds
            self._synced_at = None
            return ClockSync(sync.state, sync.source, f"{sync.detail}; the monotonic clock went back {-since_s:.0f} s since it was last synchronised")
        if not step_s <= HOLDOVER_SLACK_S + since_s * HOLDOVER_DRIFT_PPM * 1e-6:  # NaN is a step too
            self._synced_at = None
            return ClockSync(sync.state, sync.source, f"{sync.detail}; the clock was stepped by {step_s:.0f} s since it was last synchronised")
        if since_s > self._limit_s:
            return ClockSync(sync.state, sync.source, f"{sync.detail}; last synchronised {since_s / 3600:.1f} h ago, beyond clock.holdover_h")
        detail = f"{sync.detail}; trusted on: synchronised {since_s / 3600:.1f} h ago, for up to {self._limit_s / 3600:g} h (clock.holdover_h)"
        return ClockSync("holdover", sync.source, detail)


def clock_synchronised(run: Run = run_tool) -> dict[str, object]:
    """{"synchronised": True | False | None, "detail"} for the operator's status page; None when it cannot be told."""
    sync = clock_sync(run)
    return {"synchronised": {"synchronised": True, "unsynchronised": False}.get(sync.state), "detail": sync.detail}
