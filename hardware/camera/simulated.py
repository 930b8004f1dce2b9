"""A simulated camera that replays real images or a video at a fixed frame rate of the injected clock.

The frame shown at time t is frame number floor((t - start) × fps), so a simulation that advances
a manual clock sees the same sequence as a real-time run. A scenario can hold an image in front of
the camera with `present()` (a person showing a code), which overrides the replay until cleared.
"""

from __future__ import annotations

import math
from pathlib import Path

import cv2
import numpy as np

from hardware.camera import Frame, SimulatedCameraConfig
from hardware.clock import Clock
from hardware.errors import DeviceUnavailable
from hardware.image_file import MAX_PIXELS, ImageRefused, read_image

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff"}
BLANK_SIZE = (480, 640)
MAX_REPLAY_BYTES = 1 << 30  # every replayed frame is held in memory


class SimulatedCamera:
    def __init__(self, config: SimulatedCameraConfig, clock: Clock) -> None:
        self._config = config
        self._clock = clock
        self._started_at = clock.monotonic()
        self._frames = _load_frames(config.source) if config.source else []
        self._presented: np.ndarray | None = None
        self._closed = False

    def present(self, image: np.ndarray | None) -> None:
        """Hold `image` (BGR) in front of the camera; None returns to the replay."""
        self._presented = image

    def grab(self) -> Frame:
        if self._closed:
            raise DeviceUnavailable("simulated camera: grab() after close()")
        now = self._clock.monotonic()
        index = math.floor((now - self._started_at) * self._config.fps + 1e-9)
        return Frame(image=self._image_at(index), taken_at=now, index=index)

    def _image_at(self, index: int) -> np.ndarray:
        if self._presented is not None:
            return self._presented
        if not self._frames:
            return np.zeros((*BLANK_SIZE, 3), np.uint8)
        if not self._config.loop and index >= len(self._frames):
            return self._frames[-1]
        return self._frames[index % len(self._frames)]

    def close(self) -> None:
        self._closed = True


def _load_frames(source: str) -> list[np.ndarray]:
    path = Path(source)
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        if not files:
            raise DeviceUnavailable(f"camera.source {source!r}: no images in this folder (expected {', '.join(sorted(IMAGE_SUFFIXES))})")
        frames = []
        for file in files:
            try:
                frames.append(read_image(file))
            except ImageRefused as err:
                raise DeviceUnavailable(f"camera.source {err}") from err
        return frames
    if path.is_file():
        return _read_video(path)
    raise DeviceUnavailable(f"camera.source {source!r}: no such file or folder (expected a folder of images or a video file)")


def _read_video(path: Path) -> list[np.ndarray]:
    """Every frame of the video, refused before decoding when a frame is above MAX_PIXELS and while
    reading once the frames held reach MAX_REPLAY_BYTES."""
    capture = cv2.VideoCapture(str(path))
    frames = []
    held_bytes = 0
    try:
        width, height = int(capture.get(cv2.CAP_PROP_FRAME_WIDTH)), int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT))
        if width * height > MAX_PIXELS:
            raise DeviceUnavailable(
                f"camera.source {str(path)!r}: frames of {width}×{height} pixels are above the limit of {MAX_PIXELS / 1e6:g} MP"
                " (expected a camera-sized video)"
            )
        while True:
            ok, image = capture.read()
            if not ok:
                break
            held_bytes += image.nbytes
            if held_bytes > MAX_REPLAY_BYTES:
                raise DeviceUnavailable(
                    f"camera.source {str(path)!r}: more than {MAX_REPLAY_BYTES >> 20} MiB of decoded frames after"
                    f" {len(frames)} frames (expected a short clip: trim or scale down the video)"
                )
            frames.append(image)
    finally:
        capture.release()
    if not frames:
        raise DeviceUnavailable(f"camera.source {str(path)!r}: not a readable video (expected a video file OpenCV can decode)")
    return frames
