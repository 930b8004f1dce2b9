"""Raspberry Pi CSI cameras through picamera2 (libcamera); OpenCV's V4L2 path cannot open them."""

from __future__ import annotations

from hardware.camera import Frame, PiCameraConfig
from hardware.clock import Clock
from hardware.errors import DeviceUnavailable
from hardware.registry import import_vendor


class PiCamera:
    def __init__(self, config: PiCameraConfig, clock: Clock) -> None:
        Picamera2 = import_vendor("picamera2", "camera.driver 'picamera2'").Picamera2

        self._clock = clock
        self._index = 0
        try:
            self._camera = Picamera2()
            # "RGB888" in libcamera terms is BGR byte order in memory: what OpenCV expects.
            video = self._camera.create_video_configuration(
                main={"size": (config.width, config.height), "format": "RGB888"},
                controls={"FrameRate": config.fps},
            )
            self._camera.configure(video)
            self._camera.start()
        except (RuntimeError, IndexError) as err:
            raise DeviceUnavailable(f"picamera2: cannot start the CSI camera ({err}); check the ribbon cable and `rpicam-hello`") from err

    def grab(self) -> Frame:
        try:
            image = self._camera.capture_array("main")
        except RuntimeError as err:
            raise DeviceUnavailable(f"picamera2: capture failed ({err})") from err
        frame = Frame(image=image[:, :, :3], taken_at=self._clock.monotonic(), index=self._index)
        self._index += 1
        return frame

    def close(self) -> None:
        self._camera.stop()
        self._camera.close()
