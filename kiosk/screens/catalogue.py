"""One catalogue of the sentences the person at the gate reads and hears, used by the screen and by speech.

The gate machine and the capabilities speak English (their sentences are the catalogue's keys), so
the machine stays pure and its reason codes unchanged; the kiosk translates at the edge, where
`Show` and `Say` reach the person. A message is translated sentence by sentence, because the
machine composes some ("Entry denied. " + the check's sentence). A sentence with no entry in the
language stays English rather than vanish: the person always gets the gate's words.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from importlib import resources

SOURCE_LANGUAGE = "en"
LANGUAGES = ("en", "de")

# Sentences end at . ! or ? followed by a space; the punctuation stays with its sentence.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def load_catalogue() -> dict[str, dict[str, str]]:
    """Language -> {English sentence: translation}, from the packaged catalogue.toml."""
    text = resources.files("kiosk.screens").joinpath("catalogue.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


@dataclass(frozen=True)
class Translator:
    """Turns the gate's English sentences into `language`; English passes through unchanged."""

    language: str
    entries: dict[str, str]

    @classmethod
    def for_language(cls, language: str) -> Translator:
        if language not in LANGUAGES:
            raise ValueError(f"language {language!r}: expected one of {', '.join(LANGUAGES)}")
        if language == SOURCE_LANGUAGE:
            return cls(language, {})
        return cls(language, load_catalogue()[language])

    def __call__(self, text: str) -> str:
        if not self.entries:
            return text
        return " ".join(self._sentence(part) for part in _SENTENCE_END.split(text.strip()))

    def _sentence(self, sentence: str) -> str:
        found = self.entries.get(sentence)
        if found is not None:
            return found
        head, colon, rest = sentence.partition(": ")  # "Out of service: <the check's sentence>"
        if colon and f"{head}:" in self.entries:
            return f"{self.entries[head + ':']} {self(rest)}"
        return sentence

    def missing(self, texts: list[str]) -> list[str]:
        """The sentences of `texts` that this language would leave in English."""
        parts = {part for text in texts for part in _SENTENCE_END.split(text.strip())}
        return sorted(part for part in parts if self.entries and self._sentence(part) == part)
