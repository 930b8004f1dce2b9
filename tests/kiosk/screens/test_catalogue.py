"""The one catalogue: every sentence the gate itself produces has a translation in every language."""

from __future__ import annotations

import pytest

from kiosk.gate import machine
from kiosk.gate.policy import PROMPTS
from kiosk.gate.runner import CAMERA_DOWN, PANEL_DOWN_MESSAGE
from kiosk.screens.catalogue import LANGUAGES, Translator
from kiosk.screens.gate_app import LABELS
from kiosk.screens.state import NOTICES, STEP_LABELS
from kiosk.service.sources.face import QUALITY_PROMPTS, SPOOF_PROMPT
from kiosk.service.sources.temperature import RETRY_PROMPTS

GATE_SENTENCES = [
    machine.WELCOME,
    machine.GRANTED_MESSAGE,
    machine.OPERATOR_MESSAGE,
    machine.PANEL_GRANTED_MESSAGE,
    machine.NO_CARD_MESSAGE,
    machine.CLOCK_MESSAGE,
    machine.LOCKED_DOWN.message,
    machine.EVACUATION.message,
    PANEL_DOWN_MESSAGE,
    SPOOF_PROMPT,
    "Entry denied. Time is up. Please start again.",
    "Please close the door.",
    "Out of service: The camera is not working.",
    CAMERA_DOWN.message,
    *PROMPTS.values(),
    *QUALITY_PROMPTS.values(),
    *RETRY_PROMPTS.values(),
    *(f"The {check} check is not working." for check in ("credential", "face", "mask", "liveness", "temperature")),
    "Your temperature is above the limit. Please see a member of staff.",
    "Temperature checked.",
    "The temperature check is unavailable.",
    "Please wear a mask.",
    "No face is enrolled for this pass. Please see a member of staff.",
    "Your face is not recognised. Please see a member of staff.",
    "Your face does not match this pass.",
    *STEP_LABELS.values(),
    *(part for notice in NOTICES.values() for part in notice if part),
    *LABELS,
]


@pytest.mark.parametrize("language", [lang for lang in LANGUAGES if lang != "en"])
def test_every_sentence_of_the_gate_is_in_the_catalogue(language: str) -> None:
    assert Translator.for_language(language).missing(GATE_SENTENCES) == []


def test_a_composed_denial_is_translated_sentence_by_sentence() -> None:
    german = Translator.for_language("de")
    assert german("Entry denied. Your face does not match this pass.") == "Zutritt verweigert. Ihr Gesicht passt nicht zu diesem Ausweis."
    assert german("Out of service: The camera is not working.") == "Außer Betrieb: Die Kamera funktioniert nicht."


def test_a_sentence_missing_from_the_catalogue_stays_in_english() -> None:
    german = Translator.for_language("de")
    assert german("Entry denied. This pass expired on 2026-01-01.") == "Zutritt verweigert. This pass expired on 2026-01-01."


def test_english_passes_through_unchanged() -> None:
    assert Translator.for_language("en")(machine.WELCOME) == machine.WELCOME


def test_an_unknown_language_names_the_ones_there_are() -> None:
    with pytest.raises(ValueError, match="'fr': expected one of en, de"):
        Translator.for_language("fr")
