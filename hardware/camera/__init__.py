"""Camera: BGR frames with a monotonic timestamp. Real: OpenCV (USB/V4L2), picamera2 (CSI). Simulated: replay files."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

import numpy as np

from hardware.clock import Clock
from hardware.settings import setting


@dataclass(frozen=True)
class Frame:
    """One camera image: `image` is BGR uint8 (H×W×3), `taken_at` monotonic seconds, `index` counts from 0."""

    image: np.ndarray
    taken_at: float
    index: int


class Camera(Protocol):
    """A source of frames. `grab()` raises DeviceUnavailable when the camera stops delivering."""

    def grab(self) -> Frame: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class SimulatedCameraConfig:
    driver: Literal["simulated"] = "simulated"
    source: str = setting("", "folder of images or a video file to replay, in name order, looping")
    fps: float = setting(15.0, "frames per second of simulated time", min=0.1, max=240)
    loop: bool = setting(True, "start again at the first frame after the last")


@dataclass(frozen=True)
class OpenCVCameraConfig:
    driver: Literal["opencv"] = "opencv"
    device: str = setting("0", "V4L2 index ('0'), device path ('/dev/video0') or stream URL")
    width: int = setting(640, "requested frame width in pixels", min=160, max=4096)
    height: int = setting(480, "requested frame height in pixels", min=120, max=4096)
    fps: float = setting(15.0, "requested frames per second", min=1, max=240)


@dataclass(frozen=True)
class PiCameraConfig:
    driver: Literal["picamera2"] = "picamera2"
    width: int = setting(640, "frame width in pixels", min=160, max=4608)
    height: int = setting(480, "frame height in pixels", min=120, max=2592)
    fps: float = setting(15.0, "frames per second", min=1, max=120)


CameraConfig = SimulatedCameraConfig | OpenCVCameraConfig | PiCameraConfig

DRIVERS = {
    "simulated": "hardware.camera.simulated:SimulatedCamera",
    "opencv": "hardware.camera.opencv:OpenCVCamera",
    "picamera2": "hardware.camera.picamera:PiCamera",
}


def open_camera(config: CameraConfig, clock: Clock) -> Camera:
    """Open the camera `config.driver` names; vendor libraries are imported only here."""
    from hardware.registry import load_driver

    return load_driver("camera", DRIVERS, config.driver)(config, clock)
