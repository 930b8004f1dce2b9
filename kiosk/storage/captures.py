"""Opt-in debug capture: camera frames kept on disk for at most a configured number of hours.

Files are named by capture time (epoch milliseconds), so purging depends on the name alone,
not on file times that a copy or a clock change could alter.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

_SUFFIX = ".png"


class DebugCapture:
    """Frames saved for debugging; `purge(now)` deletes those older than `keep_hours`."""

    def __init__(self, directory: Path, keep_hours: float) -> None:
        if keep_hours <= 0:
            raise ValueError(f"debug capture keep_hours = {keep_hours}: expected more than 0 (0 means capture is off)")
        self.directory = directory
        self.keep_hours = keep_hours

    def notice(self) -> str:
        """What the kiosk says at start-up while capture is on."""
        return f"debug capture is on: camera frames are kept in {self.directory} for up to {self.keep_hours:g} hours"

    def save(self, image_bgr: np.ndarray, at: float) -> Path:
        """Write one BGR frame taken at `at` (epoch s) as PNG; returns its path."""
        import cv2

        ok, encoded = cv2.imencode(_SUFFIX, image_bgr)
        if not ok:
            raise ValueError(f"debug capture: cannot encode an image of shape {image_bgr.shape} (expected H×W×3 uint8)")
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        path = self.directory / f"{round(at * 1000):015d}{_SUFFIX}"
        path.touch(mode=0o600)
        path.write_bytes(encoded.tobytes())
        return path

    def frames(self) -> list[tuple[float, Path]]:
        """(capture time in epoch s, path) of every kept frame, oldest first."""
        if not self.directory.is_dir():
            return []
        found = []
        for path in self.directory.glob(f"*{_SUFFIX}"):
            if path.stem.isdigit():
                found.append((int(path.stem) / 1000, path))
        return sorted(found)

    def purge(self, now: float) -> int:
        """Delete frames captured more than `keep_hours` before `now`; returns how many."""
        cutoff = now - self.keep_hours * 3600
        expired = [path for at, path in self.frames() if at < cutoff]
        for path in expired:
            path.unlink(missing_ok=True)
        return len(expired)
