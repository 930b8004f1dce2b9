"""`kiosk demo` end to end through the CLI: the JSON contract and the story it tells."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest


def run_demo(models_dir: Path | str, *extra: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KIOSK_MODELS_DIR": str(models_dir)}
    return subprocess.run([sys.executable, "-m", "kiosk", "demo", *extra], capture_output=True, text=True, env=env, timeout=300)


@pytest.fixture(scope="module")
def summary(models_dir: Path) -> dict[str, Any]:
    result = run_demo(models_dir, "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def by_subject(summary: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {decision["subject"]: decision for decision in summary["decisions"]}


def test_demo_json_has_the_contracted_shape(summary: dict[str, Any]) -> None:
    assert {"decisions", "relay", "alarms", "final_relay"} <= summary.keys()
    for decision in summary["decisions"]:
        assert set(decision) == {"t", "subject", "verdict", "reasons", "message"}
        assert decision["verdict"] in ("granted", "denied") and decision["reasons"]
    assert all(edge["state"] in ("locked", "unlocked") for edge in summary["relay"])
    assert summary["relay"][0] == {"t": 0.0, "state": "locked"}
    assert summary["final_relay"] == "locked"


def test_demo_grants_the_enrolled_masked_holder_and_denies_the_rest_with_reasons(summary: dict[str, Any]) -> None:
    decisions = by_subject(summary)
    assert decisions["alice (masked, rotating pass on her phone)"]["verdict"] == "granted"
    assert decisions["someone with a photo of alice's phone"]["reasons"] == ["credential-replayed"]
    assert decisions["bob (edited pass)"]["reasons"] == ["credential-bad-signature"]
    assert decisions["mallory (alice's paper pass, her own face)"]["reasons"] == ["face-mismatch"]
    assert decisions["alice again, feverish"]["reasons"] == ["temperature-high"]
    assert decisions["alice, thermometer unplugged"]["reasons"] == ["temperature-unavailable"]


def test_demo_unlocks_only_for_the_grant_and_the_exit_button(summary: dict[str, Any]) -> None:
    unlocks = [edge["t"] for edge in summary["relay"] if edge["state"] == "unlocked"]
    assert len(unlocks) == 2
    assert [alarm["kind"] for alarm in summary["alarms"]] == ["door-held-open"]


def test_demo_without_models_denies_every_face_checked_visit_and_says_why(tmp_path: Path) -> None:
    empty = tmp_path / "no-models"
    empty.mkdir()
    result = run_demo(empty, "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert {"decisions", "relay", "alarms", "final_relay", "notes"} <= summary.keys()
    [note] = [note for note in summary["notes"] if note.startswith("face stage unavailable:")]
    assert "model 'yunet' missing" in note and str(empty) in note and "kiosk models fetch" in note
    decisions = by_subject(summary)
    for who in ("alice (masked, rotating pass on her phone)", "mallory (alice's paper pass, her own face)", "alice again, feverish"):
        assert decisions[who]["reasons"] == ["face-unavailable"], who
    assert {d["verdict"] for d in summary["decisions"]} == {"denied"}
    unlocks = [edge["t"] for edge in summary["relay"] if edge["state"] == "unlocked"]
    assert len(unlocks) == 1, "only the exit button releases the lock"
    assert summary["final_relay"] == "locked"


def test_demo_timeline_without_models_says_why_the_face_check_denies(tmp_path: Path) -> None:
    result = run_demo(tmp_path / "no-models")
    assert result.returncode == 0, result.stderr
    header = result.stdout.splitlines()[1]
    assert header.startswith("face stage unavailable: model 'yunet' missing") and "face-unavailable" in header
    assert "GRANTED" not in result.stdout


def test_demo_timeline_is_readable(models_dir: Path) -> None:
    result = run_demo(models_dir)
    assert result.returncode == 0, result.stderr
    assert "GRANTED  alice (masked, rotating pass on her phone)" in result.stdout
    assert "Door relay at the end: locked." in result.stdout


def test_the_demo_says_its_clock_is_simulated_and_not_required_to_be_synchronised(capsys) -> None:
    from kiosk.cli import main

    assert main(["demo", "--models-dir", "/nonexistent-models"]) == 0
    out = capsys.readouterr().out
    assert "clock: simulated time; clock.require_sync = false" in out
    assert "clock-unsynchronised" not in out
