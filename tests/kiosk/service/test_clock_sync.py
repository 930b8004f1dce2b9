"""The clock is called synchronised only when timesyncd or chrony says so; not knowing is not good."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence

from kiosk.service.clock_sync import clock_sync

CHRONY_SYNCED = "Reference ID    : C0A80001 (192.168.0.1)\nStratum         : 3\nLeap status     : Normal\n"
CHRONY_UNSYNCED = "Reference ID    : 00000000 ()\nStratum         : 0\nLeap status     : Not synchronised\n"


def tools(answers: dict[str, tuple[int, str] | None]):
    """A stand-in for running the tools: each named tool answers (exit code, stdout), or is missing (None)."""

    def run(command: Sequence[str]) -> subprocess.CompletedProcess[str] | None:
        answer = answers.get(command[0])
        return None if answer is None else subprocess.CompletedProcess(list(command), answer[0], answer[1], "")

    return run


def test_timesyncd_saying_yes_is_synchronised_and_no_is_not() -> None:
    assert clock_sync(tools({"timedatectl": (0, "yes\n")})).state == "synchronised"
    assert clock_sync(tools({"timedatectl": (0, "no\n")})).state == "unsynchronised"


def test_chrony_is_asked_when_timedatectl_cannot_answer() -> None:
    no_systemd = (1, "")
    assert clock_sync(tools({"timedatectl": no_systemd, "chronyc": (0, CHRONY_SYNCED)})).state == "synchronised"
    assert clock_sync(tools({"timedatectl": no_systemd, "chronyc": (0, CHRONY_UNSYNCED)})).detail == "chronyc: leap status Not synchronised"


def test_no_tool_that_answers_is_unknown_never_synchronised() -> None:
    assert clock_sync(tools({"timedatectl": (1, ""), "chronyc": None})).state == "unknown"
    assert clock_sync(tools({})).state == "unknown"
