"""One contract for every camera that runs here: the simulator (images, video) and the OpenCV driver on a video file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import pytest

from hardware.camera import Camera, OpenCVCameraConfig, SimulatedCameraConfig, open_camera
from hardware.camera.simulated import SimulatedCamera
from hardware.clock import ManualClock
from hardware.errors import DeviceUnavailable


def numbered_image(n: int) -> np.ndarray:
    image = np.full((48, 64, 3), 20 * n, np.uint8)
    cv2.putText(image, str(n), (10, 40), cv2.FONT_HERSHEY_SIMPLEX, 1.2, (255, 255, 255), 2)
    return image


@pytest.fixture
def image_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "frames"
    folder.mkdir()
    for n in range(3):
        cv2.imwrite(str(folder / f"{n:03d}.png"), numbered_image(n))
    return folder


@pytest.fixture
def video_file(tmp_path: Path) -> Path:
    path = tmp_path / "clip.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10, (64, 48))
    for n in range(5):
        writer.write(numbered_image(n))
    writer.release()
    return path


@pytest.fixture(params=["simulated-images", "simulated-video", "opencv-file"])
def camera_factory(request: pytest.FixtureRequest, clock: ManualClock) -> Callable[[], Camera]:
    if request.param == "simulated-images":
        folder = request.getfixturevalue("image_folder")
        return lambda: open_camera(SimulatedCameraConfig(source=str(folder), fps=10), clock)
    video = request.getfixturevalue("video_file")
    if request.param == "simulated-video":
        return lambda: open_camera(SimulatedCameraConfig(source=str(video), fps=10), clock)
    return lambda: open_camera(OpenCVCameraConfig(device=str(video)), clock)


def test_frames_are_bgr_uint8_with_time_and_rising_index(camera_factory: Callable[[], Camera], clock: ManualClock) -> None:
    camera = camera_factory()
    first = camera.grab()
    clock.advance(0.1)
    second = camera.grab()
    assert first.image.dtype == np.uint8 and first.image.ndim == 3 and first.image.shape[2] == 3
    assert second.taken_at == first.taken_at + 0.1
    assert second.index > first.index
    camera.close()


def test_simulated_camera_follows_the_clock_and_loops(image_folder: Path, clock: ManualClock) -> None:
    camera = SimulatedCamera(SimulatedCameraConfig(source=str(image_folder), fps=10), clock)
    frames = []
    for _ in range(4):
        frames.append(camera.grab())
        clock.advance(0.1)
    assert [f.index for f in frames] == [0, 1, 2, 3]
    assert np.array_equal(frames[3].image, frames[0].image), "frame 3 of a 3-image loop is the first image again"
    assert not np.array_equal(frames[1].image, frames[0].image)


def test_presented_image_overrides_the_replay(image_folder: Path, clock: ManualClock) -> None:
    camera = SimulatedCamera(SimulatedCameraConfig(source=str(image_folder)), clock)
    held = numbered_image(9)
    camera.present(held)
    assert camera.grab().image is held
    camera.present(None)
    assert camera.grab().image is not held


def test_missing_source_is_named(tmp_path: Path, clock: ManualClock) -> None:
    with pytest.raises(DeviceUnavailable, match="no such file or folder"):
        SimulatedCamera(SimulatedCameraConfig(source=str(tmp_path / "nope")), clock)


def test_unreadable_video_device_is_named(tmp_path: Path, clock: ManualClock) -> None:
    with pytest.raises(DeviceUnavailable, match="cannot open"):
        open_camera(OpenCVCameraConfig(device=str(tmp_path / "missing.avi")), clock)


def test_opencv_camera_reports_the_end_of_frames_as_unavailable(video_file: Path, clock: ManualClock) -> None:
    camera = open_camera(OpenCVCameraConfig(device=str(video_file)), clock)
    with pytest.raises(DeviceUnavailable, match="stopped delivering frames"):
        for _ in range(10):
            camera.grab()
