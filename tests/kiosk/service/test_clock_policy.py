"""The running gate asks timesyncd for the clock off the loop and fails closed: the tool's answer faked on PATH."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from hardware.clock import ManualClock
from kiosk.service.clock_sync import BUILD_FLOOR, ClockSync, Holdover, clock_fault
from kiosk.service.clock_watch import ClockWatch
from tests.kiosk.service.test_run_command import DEADLINE_S, wait_for

SYNCED = ClockSync("synchronised", "timedatectl", "timedatectl: NTPSynchronized=yes")
LOST = ClockSync("unsynchronised", "timedatectl", "timedatectl: NTPSynchronized=no (no NTP server answered yet)")
HOUR_S = 3600.0


def fake_timedatectl(folder: Path, answer: str) -> dict[str, str]:
    """An environment whose PATH finds a `timedatectl` that prints `answer` (and no chronyc)."""
    folder.mkdir(exist_ok=True)
    tool = folder / "timedatectl"
    tool.write_text(f"#!/bin/sh\necho {answer}\n")
    tool.chmod(0o755)
    return {**os.environ, "PATH": f"{folder}:/usr/bin:/bin"}


def audit(db: Path, kind: str) -> list[str]:
    if not db.exists():
        return []
    try:
        with sqlite3.connect(db) as connection:
            rows = connection.execute("SELECT details FROM audit_log WHERE kind = ? ORDER BY seq", (kind,)).fetchall()
    except sqlite3.OperationalError:
        return []  # the gate is still creating its database
    return [json.loads(row[0])["detail"] for row in rows]


def run_gate(tmp_path: Path, answer: str, clock_section: str = "") -> list[str]:
    """Start `kiosk run` with timedatectl answering `answer`, wait for its start-up, stop it; the 'clock' audit records."""
    (tmp_path / "trust").mkdir(exist_ok=True)
    config = tmp_path / "kiosk.toml"
    config.write_text(
        f'[gate]\nchecks = ["credential"]\n[credentials]\ntrust_dir = "{tmp_path / "trust"}"\n{clock_section}'
        f'[storage]\npath = "{tmp_path / "kiosk.db"}"\ndevice_key_file = "{tmp_path / "device.key"}"\naudit_syslog = ""\n'
    )
    log = tmp_path / "run.log"
    with log.open("ab") as out:
        gate = subprocess.Popen([sys.executable, "-m", "kiosk", "run", "--config", str(config)], stdout=out, stderr=out,
                                env=fake_timedatectl(tmp_path / "bin", answer))
    try:
        wait_for(lambda: bool(audit(tmp_path / "kiosk.db", "start-up")) and bool(audit(tmp_path / "kiosk.db", "clock")) or gate.poll() is not None,
                 "the gate to start and record its clock")
    finally:
        gate.send_signal(signal.SIGTERM)
        assert gate.wait(timeout=DEADLINE_S) == 0, log.read_text()
    return audit(tmp_path / "kiosk.db", "clock")


def test_an_unsynchronised_clock_makes_the_gate_deny_every_visit_and_say_why(tmp_path: Path) -> None:
    [record] = run_gate(tmp_path, "no")
    assert record == (
        "not trusted: the clock is unsynchronised (timedatectl: NTPSynchronized=no (no NTP server answered yet));"
        " every visit is denied clock-unsynchronised"
    )


def test_without_require_sync_the_gate_says_so_and_decides(tmp_path: Path) -> None:
    section = "[clock]\nrequire_sync = false  # a simulated gate on a test machine without timesyncd or chrony\n"
    assert run_gate(tmp_path, "no", section) == ["clock.require_sync = false: visits are decided whether or not the clock is synchronised"]


def test_the_watch_reads_the_tools_answer_from_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env = fake_timedatectl(tmp_path / "bin", "yes")
    monkeypatch.setenv("PATH", env["PATH"])
    watch = ClockWatch(3600, Holdover(24 * 3600), ManualClock())
    watch.start()
    try:
        assert watch.latest == SYNCED
    finally:
        watch.stop()


def test_a_clock_before_the_build_date_is_wrong_even_when_synchronised_or_not_required() -> None:
    before = BUILD_FLOOR.timestamp() - 86400
    for require_sync in (True, False):
        fault = clock_fault(SYNCED, before, require_sync)
        assert fault is not None and "before this release was built" in fault
    assert clock_fault(SYNCED, BUILD_FLOOR.timestamp() + 1, require_sync=True) is None


def test_a_clock_that_loses_ntp_is_trusted_on_for_the_holdover_then_denied() -> None:
    holdover, wall = Holdover(24 * HOUR_S), BUILD_FLOOR.timestamp() + 86400
    assert holdover.judge(SYNCED, wall, 0.0) == SYNCED
    later = holdover.judge(LOST, wall + 10 * HOUR_S + 2.0, 10 * HOUR_S)  # 2 s of drift in 10 h: a crystal's
    assert later.state == "holdover" and "synchronised 10.0 h ago" in later.detail
    assert clock_fault(later, wall + 10 * HOUR_S, require_sync=True) is None
    expired = holdover.judge(LOST, wall + 25 * HOUR_S, 25 * HOUR_S)
    assert expired.state == "unsynchronised" and "beyond clock.holdover_h" in expired.detail
    assert clock_fault(expired, wall + 25 * HOUR_S, require_sync=True) is not None


def test_a_clock_stepped_during_the_holdover_is_not_trusted_again_until_ntp_answers() -> None:
    holdover, wall = Holdover(24 * HOUR_S), BUILD_FLOOR.timestamp() + 86400
    holdover.judge(SYNCED, wall, 0.0)
    stepped = holdover.judge(LOST, wall + HOUR_S + 600.0, HOUR_S)  # set ten minutes ahead by hand
    assert stepped.state == "unsynchronised" and "stepped by 600 s" in stepped.detail
    assert holdover.judge(LOST, wall + 2 * HOUR_S, 2 * HOUR_S).state == "unsynchronised", "set back: still not trusted"
    holdover.judge(SYNCED, wall + 3 * HOUR_S, 3 * HOUR_S)
    assert holdover.judge(LOST, wall + 4 * HOUR_S, 4 * HOUR_S).state == "holdover"


def test_a_clock_never_seen_synchronised_or_with_no_holdover_gets_none() -> None:
    wall = BUILD_FLOOR.timestamp() + 86400
    assert Holdover(24 * HOUR_S).judge(LOST, wall, 0.0) == LOST
    unknown = ClockSync("unknown", "none", "neither answers")
    assert Holdover(24 * HOUR_S).judge(unknown, wall, 0.0) == unknown
    none = Holdover(0.0)
    none.judge(SYNCED, wall, 0.0)
    assert none.judge(LOST, wall + 60.0, 60.0).state == "unsynchronised"


def test_the_watch_keeps_trusting_a_clock_whose_ntp_answer_stopped() -> None:
    answers = iter([SYNCED, LOST])
    clock = ManualClock(wall_offset_s=BUILD_FLOOR.timestamp() + 86400)
    watch = ClockWatch(3600, Holdover(24 * HOUR_S), clock, probe=lambda: next(answers))
    watch.ask_now()
    clock.advance(10 * HOUR_S)
    watch.ask_now()
    assert watch.latest.state == "holdover"


def test_a_monotonic_clock_that_goes_back_ends_the_holdover() -> None:
    """Read as "synchronised -1.4 h ago", a monotonic clock going back (with the wall clock alongside) kept the holdover."""
    holdover, wall = Holdover(24 * HOUR_S), BUILD_FLOOR.timestamp() + 86400
    holdover.judge(SYNCED, wall, 10_000.0)
    back = holdover.judge(LOST, wall - 5_000.0, 5_000.0)
    assert back.state == "unsynchronised" and "monotonic clock went back 5000 s" in back.detail
    assert holdover.judge(LOST, wall + 60.0, 10_060.0).state == "unsynchronised", "not trusted again until NTP answers"


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_a_clock_that_reads_no_time_is_never_trusted(bad: float) -> None:
    assert clock_fault(SYNCED, bad, require_sync=False) is not None
    holdover, wall = Holdover(24 * HOUR_S), BUILD_FLOOR.timestamp() + 86400
    holdover.judge(SYNCED, wall, 0.0)
    assert holdover.judge(LOST, bad, 60.0).state == "unsynchronised"
    holdover.judge(SYNCED, wall, 0.0)
    assert holdover.judge(LOST, wall + 60.0, bad).state == "unsynchronised"


def test_small_steps_that_add_up_end_the_holdover() -> None:
    """Each step is measured against the last NTP answer, not the previous reading: 0.9 s at a time still adds up."""
    holdover, wall = Holdover(24 * HOUR_S), BUILD_FLOOR.timestamp() + 86400
    holdover.judge(SYNCED, wall, 0.0)
    states = [holdover.judge(LOST, wall + minute * 60.0 - 0.9 * minute, minute * 60.0).state for minute in range(1, 5)]
    assert states == ["holdover", "unsynchronised", "unsynchronised", "unsynchronised"]
