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

from kiosk.service.clock_sync import BUILD_FLOOR, ClockSync, clock_fault
from kiosk.service.clock_watch import ClockWatch
from tests.kiosk.service.test_run_command import DEADLINE_S, wait_for

SYNCED = ClockSync("synchronised", "timedatectl", "timedatectl: NTPSynchronized=yes")


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
    watch = ClockWatch(interval_s=3600)
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
