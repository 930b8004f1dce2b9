"""Every command that reads an image refuses an image bomb with one line naming the file, its size and the limit."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.hardware.image_bombs import png_claiming, write_blank_png

COMMANDS = {
    "credential verify": ["credential", "verify", "--image", "{image}", "--trust", "{tmp}"],
    "decode": ["decode", "{image}"],
    "people enroll": ["people", "enroll", "visitor-1", "{image}", "--consent", "desk"],
}


def kiosk(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kiosk", *args], capture_output=True, text=True, cwd=cwd, timeout=120)


@pytest.mark.parametrize("command", COMMANDS)
def test_a_header_claiming_100000_by_100000_gives_one_clear_line(tmp_path: Path, command: str) -> None:
    image = tmp_path / "bomb.png"
    image.write_bytes(png_claiming(100_000, 100_000))
    result = kiosk(*(a.format(image=image, tmp=tmp_path) for a in COMMANDS[command]), cwd=tmp_path)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr and "cv2.error" not in result.stderr + result.stdout
    assert "bomb.png': its header claims 100000×100000 pixels" in result.stderr + result.stdout
    assert "limit of 50 MP" in result.stderr + result.stdout


@pytest.mark.parametrize("command", COMMANDS)
def test_a_real_large_png_is_refused_without_decoding_it(tmp_path: Path, command: str) -> None:
    image = write_blank_png(tmp_path / "wide.png", 8000, 8000)
    result = kiosk(*(a.format(image=image, tmp=tmp_path) for a in COMMANDS[command]), cwd=tmp_path)
    assert result.returncode != 0
    assert "wide.png': its header claims 8000×8000 pixels (64.0 MP)" in result.stderr + result.stdout
