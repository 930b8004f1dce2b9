"""Feedback on the console (a text display on the kiosk's tty) and spoken with espeak-ng when installed."""

from __future__ import annotations

import shutil
import subprocess
import sys

from hardware.clock import Clock
from hardware.feedback import ConsoleFeedbackConfig


class ConsoleFeedback:
    def __init__(self, config: ConsoleFeedbackConfig, clock: Clock) -> None:
        self._voice = config.voice
        self._espeak = shutil.which("espeak-ng") if config.speak else None
        self._speaking: subprocess.Popen[bytes] | None = None

    def show(self, text: str) -> None:
        print(f"[display] {text}", file=sys.stdout, flush=True)

    def say(self, text: str) -> None:
        if self._espeak is None:
            return
        if self._speaking is not None and self._speaking.poll() is None:
            self._speaking.terminate()  # a newer prompt replaces one still being spoken
        self._speaking = subprocess.Popen(
            [self._espeak, "-v", self._voice, text], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )

    def close(self) -> None:
        if self._speaking is not None and self._speaking.poll() is None:
            self._speaking.terminate()
