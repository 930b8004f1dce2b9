"""`kiosk decode` and `kiosk bench decode`, run as a user would."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np

from kiosk.qr.synthetic import code_frame, credential_text, scene_frame


def kiosk(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kiosk", *args], capture_output=True, text=True, timeout=120)


def test_decode_prints_one_json_object_per_image_and_goes_on_after_an_unreadable_one(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    scene = code_frame(rng, "clean", [credential_text(rng, 50), credential_text(rng, 50)])
    with_codes, empty, broken = tmp_path / "codes.png", tmp_path / "empty.jpg", tmp_path / "broken.png"
    cv2.imwrite(str(with_codes), scene.image)
    cv2.imwrite(str(empty), scene_frame(rng))
    broken.write_bytes(b"not a png")
    result = kiosk("decode", str(with_codes), str(broken), str(tmp_path / "missing.png"), str(empty), "--json")
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert result.returncode == 1
    assert [line["image"] for line in lines] == [str(p) for p in (with_codes, broken, tmp_path / "missing.png", empty)]
    assert sorted(code["text"] for code in lines[0]["codes"]) == sorted(scene.texts)
    assert all(code["format"] == "QRCode" and len(code["corners"]) == 4 for code in lines[0]["codes"])
    assert lines[0]["ms"] > 0
    assert "not an image" in lines[1]["error"] and "No such file" in lines[2]["error"]
    assert lines[3]["codes"] == []


def test_decode_without_json_prints_a_line_per_code(tmp_path: Path) -> None:
    scene = code_frame(np.random.default_rng(2), "clean")
    path = tmp_path / "pass.png"
    cv2.imwrite(str(path), scene.image)
    result = kiosk("decode", str(path))
    assert result.returncode == 0
    assert result.stdout == f"{path}\tQRCode\t{scene.texts[0]}\n"


def test_bench_decode_reports_the_pipeline_and_each_decoder_alone(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    (tmp_path / "sub").mkdir()
    for name in ("a", "b", "sub/c"):
        scene = code_frame(rng, "clean", [credential_text(rng, 30) + "\r\nline two"])
        cv2.imwrite(str(tmp_path / f"{name}.png"), scene.image)
        (tmp_path / f"{name}.txt").write_bytes(scene.texts[0].encode("utf-8"))
    cv2.imwrite(str(tmp_path / "unlabelled.png"), scene_frame(rng))
    (tmp_path / "wrong.png").write_bytes(b"\x89PNG broken")
    (tmp_path / "wrong.txt").write_text("x")
    result = kiosk("bench", "decode", str(tmp_path), "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["images"] == 3
    assert report["unlabelled"] == [str(tmp_path / "unlabelled.png")]
    assert [entry["image"] for entry in report["unreadable"]] == [str(tmp_path / "wrong.png")]
    assert report["pipeline"]["decoded"] == 3 and report["pipeline"]["rate"] == 1.0
    assert {"zxing", "zbar"} <= set(report["alone"])
    for result in [report["pipeline"], *report["alone"].values()]:
        assert {"decoded", "expected", "rate", "median_ms", "p95_ms", "missed", "wrong"} <= set(result)


def test_bench_decode_on_a_missing_folder_says_so(tmp_path: Path) -> None:
    result = kiosk("bench", "decode", str(tmp_path / "nope"), "--json")
    assert result.returncode == 2
    assert "not a folder" in result.stderr
