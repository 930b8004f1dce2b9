"""A marker file that exists while the service runs, so a restart can tell how the last run ended."""

from __future__ import annotations

import os
from pathlib import Path

from kiosk.errors import ConfigError

MARKER_NAME = "running"


class RunMarker:
    def __init__(self, state_dir: str) -> None:
        self._path = Path(state_dir) / MARKER_NAME

    def begin(self) -> bool:
        """Create the marker; True if one was already there (the last run did not shut down)."""
        try:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            was_there = self._path.exists()
            with self._path.open("w", encoding="utf-8") as out:
                out.write(f"{os.getpid()}\n")
                out.flush()
                os.fsync(out.fileno())
        except OSError as err:
            raise ConfigError([f"service.state_dir {str(self._path.parent)!r}: cannot write ({err.strerror}); expected a writable folder"]) from err
        return was_there

    def end(self) -> None:
        self._path.unlink(missing_ok=True)
