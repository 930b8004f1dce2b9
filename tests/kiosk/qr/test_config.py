"""The [qr] config section: defaults, stage names and budgets are checked when the file is read."""

from __future__ import annotations

import pytest

from kiosk.config import KioskConfig, parse_config
from kiosk.errors import ConfigError
from kiosk.qr import QrConfig, QrDecoder


def problems_of(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(KioskConfig, text, source="kiosk.toml")
    return caught.value.problems


def test_the_default_section_builds_a_decoder() -> None:
    config = parse_config(KioskConfig, "").qr
    assert config == QrConfig()
    QrDecoder(config)


def test_a_chosen_pipeline_is_read() -> None:
    config = parse_config(KioskConfig, '[qr]\nstages = ["zbar+invert+upscale"]\ndebounce_s = 3\n').qr
    assert config.stages == ["zbar+invert+upscale"] and config.debounce_s == 3.0


def test_unknown_decoders_and_steps_are_named_with_the_choices() -> None:
    problems = problems_of('[qr]\nstages = ["zxing", "quirc", "zbar+upscal"]\n')
    assert problems == [
        "line 2: qr.stages[1] = 'quirc': unknown decoder 'quirc' (expected one of 'zxing', 'zbar', 'curved')",
        "line 2: qr.stages[2] = 'zbar+upscal': unknown step 'upscal' "
        "(expected one of 'otsu', 'sharpen', 'clahe', 'adaptive', 'local', 'upscale', 'enlarge', 'invert')",
    ]


def test_an_empty_pipeline_and_an_idle_budget_above_the_budget_are_refused() -> None:
    problems = problems_of("[qr]\nstages = []\nidle_budget_ms = 20\nbudget_ms = 10\n")
    assert problems == [
        "line 2: qr.stages = []: expected at least one stage, such as 'zxing'",
        "line 3: qr.idle_budget_ms = 20.0: expected at most budget_ms (10.0)",
    ]


def test_a_negative_budget_is_refused() -> None:
    assert problems_of("[qr]\nbudget_ms = -1\n") == ["line 2: qr.budget_ms = -1.0: expected a number from 0 to 10000"]
