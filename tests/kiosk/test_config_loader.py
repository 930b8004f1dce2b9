from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.config import KioskConfig, parse_config
from kiosk.config.dump import dump_config
from kiosk.errors import ConfigError


def problems_of(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(KioskConfig, text, source="kiosk.toml")
    return caught.value.problems


def test_empty_file_gives_the_safe_defaults() -> None:
    config = parse_config(KioskConfig, "")
    assert config.door.driver == "simulated"
    assert config.gate.checks == ["credential", "temperature"]


def test_misspelt_key_is_named_with_its_line_and_the_nearest_valid_key() -> None:
    text = '[gate]\ngate_id = "a"\nunlock_sec = 4\n'
    assert problems_of(text) == ["line 3: gate.unlock_sec: unknown key (did you mean 'unlock_s'?)"]


def test_misspelt_section_is_named() -> None:
    assert problems_of("[gaet]\n") == ["line 1: gaet: unknown key (did you mean 'gate'?)"]


def test_wrong_type_names_key_value_and_expectation() -> None:
    assert problems_of('[gate]\nunlock_s = "5"\n') == [
        "line 2: gate.unlock_s = '5': expected a number, got a string"
    ]


def test_out_of_range_value_names_the_range() -> None:
    assert problems_of("[gate]\nunlock_s = 500\n") == ["line 2: gate.unlock_s = 500.0: expected a number from 0.5 to 60"]


def test_every_problem_is_reported_at_once() -> None:
    assert len(problems_of("[gate]\nunlock_s = 500\nheld_open = 3\n")) == 2


def test_driver_picks_the_section_shape_and_rejects_other_drivers_keys() -> None:
    config = parse_config(KioskConfig, '[door]\ndriver = "gpio"\nrelay_pin = 4\n')
    assert config.door.relay_pin == 4
    problems = problems_of('[door]\ndriver = "simulated"\nrelay_pin = 4\n')
    assert problems[0].startswith("line 3: door.relay_pin: unknown key")


def test_unknown_driver_suggests_the_nearest() -> None:
    assert problems_of('[door]\ndriver = "gpoi"\n') == [
        "line 2: door.driver = 'gpoi': expected one of 'simulated', 'gpio' (did you mean 'gpio'?)"
    ]


def test_cross_field_checks_run() -> None:
    problems = problems_of('[door]\ndriver = "gpio"\nrelay_pin = 5\ngreen_pin = 5\n')
    assert "green_pin = 5: already used by relay_pin" in problems[0]
    assert "checks[0] = 'iris'" in problems_of('[gate]\nchecks = ["iris"]\n')[0]


def test_invalid_toml_is_reported() -> None:
    assert problems_of("[gate\n")[0].startswith("not valid TOML")


def test_dumped_config_parses_back_to_the_same_config() -> None:
    config = parse_config(KioskConfig, '[door]\ndriver = "gpio"\nrelay_pin = 4\n[gate]\nunlock_s = 3\n')
    assert parse_config(KioskConfig, dump_config(config)) == config


def test_check_config_command_names_a_typo_and_exits_nonzero(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text("[gate]\nunlock_sec = 4\n")
    result = subprocess.run(
        [sys.executable, "-m", "kiosk", "check-config", str(path)], capture_output=True, text=True
    )
    assert result.returncode == 2
    assert "gate.unlock_sec: unknown key (did you mean 'unlock_s'?)" in result.stderr
