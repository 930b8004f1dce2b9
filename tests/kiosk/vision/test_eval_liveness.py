"""`kiosk eval liveness`: the ISO/IEC 30107-3 arithmetic on stored evidence, and the command's one JSON object."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from kiosk.vision.config import LivenessConfig
from kiosk.vision.eval_liveness import Scored, report
from kiosk.vision.liveness import FrameEvidence


def scored(spoof: bool, p_real: float | None) -> Scored:
    return Scored(Path("x.jpg"), spoof, None if p_real is None else FrameEvidence(p_real), 0.01)


def test_apcer_counts_spoofs_judged_live_and_bpcer_counts_live_faces_missed_or_refused() -> None:
    items = [
        scored(False, 0.9), scored(False, 0.8), scored(False, 0.2), scored(False, None),  # 2 of 4 live not judged live
        scored(True, 0.7), scored(True, 0.1), scored(True, 0.3), scored(True, None),  # 1 of 4 spoofs judged live
    ]
    result = report(items, LivenessConfig(threshold=0.5))
    assert result["live"] == {"images": 4, "no_face": 1, "judged_live": 2}
    assert result["spoof"] == {"images": 4, "no_face": 1, "judged_live": 1}
    assert (result["apcer"], result["bpcer"], result["acer"]) == (0.25, 0.5, 0.375)


def test_the_command_prints_exactly_one_json_object_of_the_agreed_shape(tmp_path: Path, liveness_models: Path, shared_dir: Path) -> None:
    made = subprocess.run(
        [sys.executable, "-m", "kiosk", "eval", "liveness-set", "--faces", str(shared_dir / "faces-dev" / "lfw-devtest"),
         "--out", str(tmp_path / "set"), "--people", "2"],
        capture_output=True, text=True,
    )
    assert made.returncode == 0, made.stderr
    assert sorted(p.relative_to(tmp_path / "set").parent.as_posix() for p in (tmp_path / "set").rglob("*.jpg")) == [
        "live", "live", "spoof/phone", "spoof/phone", "spoof/print", "spoof/print"]
    result = subprocess.run(
        [sys.executable, "-m", "kiosk", "eval", "liveness", "--dir", str(tmp_path / "set"), "--models-dir", str(liveness_models), "--json"],
        capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stderr
    [line] = result.stdout.splitlines()
    data = json.loads(line)
    assert list(data) == ["live", "spoof", "apcer", "bpcer", "acer", "ms_per_image"]
    assert list(data["live"]) == list(data["spoof"]) == ["images", "no_face", "judged_live"]
    assert (data["live"]["images"], data["spoof"]["images"]) == (2, 4)


def test_without_the_models_the_command_says_which_file_is_missing_in_one_line(tmp_path: Path) -> None:
    for folder in ("live", "spoof"):
        (tmp_path / folder).mkdir()
    result = subprocess.run(
        [sys.executable, "-m", "kiosk", "eval", "liveness", "--dir", str(tmp_path), "--models-dir", str(tmp_path), "--json"],
        capture_output=True, text=True,
    )
    assert result.returncode != 0 and result.stdout == ""
    [line] = result.stderr.splitlines()
    assert "model 'minifasnet-v2' missing" in line
