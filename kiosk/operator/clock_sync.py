"""Whether the system clock is synchronised, as systemd's `timedatectl` reports it (NTPSynchronized).

Decisions, pass validity and the audit log are stamped with the wall clock, so the operator sees
when it is not synchronised. Without systemd (a container, a laptop) the answer is "unknown".
"""

from __future__ import annotations

import shutil
import subprocess

TIMEDATECTL_WAIT_S = 2.0


def clock_synchronised() -> dict[str, object]:
    """{"synchronised": True | False | None, "detail": ...}; None when it cannot be told."""
    timedatectl = shutil.which("timedatectl")
    if timedatectl is None:
        return {"synchronised": None, "detail": "timedatectl not found (no systemd): synchronisation unknown"}
    try:
        done = subprocess.run(
            [timedatectl, "show", "-p", "NTPSynchronized", "--value"], capture_output=True, text=True, timeout=TIMEDATECTL_WAIT_S, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as err:
        return {"synchronised": None, "detail": f"timedatectl did not answer ({err})"}
    return parse_ntp_synchronized(done.returncode, done.stdout, done.stderr)


def parse_ntp_synchronized(returncode: int, stdout: str, stderr: str) -> dict[str, object]:
    value = stdout.strip()
    if returncode == 0 and value in ("yes", "no"):
        synchronised = value == "yes"
        return {"synchronised": synchronised, "detail": "NTP synchronised" if synchronised else "NOT synchronised: check timesyncd/chrony and the network"}
    why = (stderr.strip().splitlines() or [f"exit {returncode}"])[0]
    return {"synchronised": None, "detail": f"timedatectl: {why}"}
