"""Feedback in the configured language: the catalogue applied where `Show` and `Say` reach the person."""

from __future__ import annotations

from hardware.feedback import Feedback
from kiosk.screens.catalogue import Translator


class TranslatedFeedback:
    """Wraps a device's feedback so the display and the voice say the same words as the gate screen."""

    def __init__(self, inner: Feedback, translate: Translator) -> None:
        self._inner = inner
        self._translate = translate

    def show(self, text: str) -> None:
        self._inner.show(self._translate(text))

    def say(self, text: str) -> None:
        self._inner.say(self._translate(text))

    def close(self) -> None:
        self._inner.close()
