"""Images are sized from their header before decoding: bombs are refused, large photos decoded reduced."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from hardware.camera import SimulatedCameraConfig, open_camera
from hardware.clock import ManualClock
from hardware.errors import DeviceUnavailable
from hardware.image_file import ImageRefused, decode_image, image_size, read_image

from .image_bombs import jpeg_claiming, png_claiming, write_blank_png


@pytest.mark.parametrize("suffix", [".png", ".jpg", ".bmp", ".webp", ".tiff", ".gif"])
def test_size_is_read_from_the_header_of_every_accepted_format(suffix: str) -> None:
    ok, encoded = cv2.imencode(suffix, np.zeros((123, 457, 3), np.uint8))
    assert ok
    assert image_size(encoded.tobytes()) == (457, 123)
    assert decode_image(encoded.tobytes(), f"x{suffix}").shape == (123, 457, 3)


@pytest.mark.parametrize(("claiming", "side", "megapixels"), [(png_claiming, 100_000, "10000.0"), (jpeg_claiming, 65_000, "4225.0")])
def test_a_header_claiming_a_huge_size_is_refused_before_decoding(tmp_path: Path, claiming, side: int, megapixels: str) -> None:
    path = tmp_path / "bomb.img"
    path.write_bytes(claiming(side, side))
    claim = rf"bomb.img': its header claims {side}×{side} pixels \({megapixels} MP\), above the limit of 50 MP"
    with pytest.raises(ImageRefused, match=claim):
        read_image(path)


def test_a_real_64_megapixel_png_is_refused_by_its_header(tmp_path: Path) -> None:
    path = write_blank_png(tmp_path / "wide.png", 8000, 8000)
    assert path.stat().st_size < 200_000
    with pytest.raises(ImageRefused, match=r"8000×8000 pixels \(64.0 MP\)"):
        read_image(path)


def test_a_large_png_within_the_limit_is_decoded_reduced(tmp_path: Path) -> None:
    path = write_blank_png(tmp_path / "big.png", 3000, 2000)
    image = read_image(path, decode_max_pixels=1_000_000)
    assert image.shape[0] * image.shape[1] <= 1_000_000 and image.shape[1] / image.shape[0] == pytest.approx(1.5, rel=0.01)


def test_a_large_jpeg_is_decoded_at_a_reduced_scale(tmp_path: Path) -> None:
    path = tmp_path / "photo.jpg"
    cv2.imwrite(str(path), np.full((3000, 4000, 3), 128, np.uint8))
    assert read_image(path, decode_max_pixels=1_000_000).shape == (750, 1000, 3)  # libjpeg at 1/4


def test_an_unknown_format_is_refused_naming_the_accepted_ones(tmp_path: Path) -> None:
    path = tmp_path / "notes.png"
    path.write_bytes(b"P5\n100000 100000\n255\n")
    with pytest.raises(ImageRefused, match=r"notes.png': not an image whose size can be read \(expected a PNG, JPEG, BMP, WebP, GIF or TIFF file"):
        read_image(path)


def test_a_truncated_image_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ImageRefused, match="cannot be decoded"):
        decode_image(png_claiming(64, 64)[:-20], "torn.png")


def test_the_simulated_camera_refuses_a_bomb_in_its_replay_folder(tmp_path: Path) -> None:
    (tmp_path / "frames").mkdir()
    (tmp_path / "frames" / "000.png").write_bytes(png_claiming(100_000, 100_000))
    with pytest.raises(DeviceUnavailable, match="000.png': its header claims 100000×100000"):
        open_camera(SimulatedCameraConfig(source=str(tmp_path / "frames"), fps=10), ManualClock())
