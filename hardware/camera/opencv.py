"""USB/V4L2 cameras (and stream URLs) through OpenCV's VideoCapture."""

from __future__ import annotations

import cv2

from hardware.camera import Frame, OpenCVCameraConfig
from hardware.clock import Clock
from hardware.errors import DeviceUnavailable


class OpenCVCamera:
    def __init__(self, config: OpenCVCameraConfig, clock: Clock) -> None:
        self._config = config
        self._clock = clock
        self._index = 0
        self._capture = self._open()

    def _open(self) -> cv2.VideoCapture:
        device = self._config.device
        source: int | str = int(device) if device.isdigit() else device
        capture = cv2.VideoCapture(source, cv2.CAP_V4L2) if isinstance(source, int) else cv2.VideoCapture(source)
        if not capture.isOpened():
            raise DeviceUnavailable(
                f"camera.device {device!r}: cannot open (expected a V4L2 index, a /dev/video* path or a stream URL; "
                "a Pi CSI camera needs driver = \"picamera2\")"
            )
        capture.set(cv2.CAP_PROP_FRAME_WIDTH, self._config.width)
        capture.set(cv2.CAP_PROP_FRAME_HEIGHT, self._config.height)
        capture.set(cv2.CAP_PROP_FPS, self._config.fps)
        return capture

    def grab(self) -> Frame:
        ok, image = self._capture.read()
        if not ok or image is None:
            raise DeviceUnavailable(f"camera.device {self._config.device!r}: stopped delivering frames")
        frame = Frame(image=image, taken_at=self._clock.monotonic(), index=self._index)
        self._index += 1
        return frame

    def close(self) -> None:
        self._capture.release()
