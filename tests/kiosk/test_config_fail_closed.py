"""Bad config input of every kind is refused with one clear line per problem, never a traceback or a silent default."""

from __future__ import annotations

import dataclasses
import random
import re
import subprocess
import sys
import types
import typing
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.config import KioskConfig, parse_config
from kiosk.config.dump import dump_config
from kiosk.errors import ConfigError


def problems_of(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(KioskConfig, text, source="kiosk.toml")
    return caught.value.problems


def _options(hint: typing.Any) -> list[typing.Any]:
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        return [option for option in typing.get_args(hint) if option is not type(None)]
    return [hint]


def config_tables(cls: type = KioskConfig, path: str = "", driver: str | None = None) -> Iterator[tuple[str, str | None, type]]:
    """Every config dataclass (each driver of a device section) with its dotted table path."""
    yield path, driver, cls
    hints = typing.get_type_hints(cls)
    for field in dataclasses.fields(cls):
        for option in _options(hints[field.name]):
            if dataclasses.is_dataclass(option):
                name = f"{path}.{field.name}" if path else field.name
                option_driver = typing.get_args(typing.get_type_hints(option).get("driver", typing.Any)) or (None,)
                yield from config_tables(option, name, option_driver[0] if len(_options(hints[field.name])) > 1 else None)


def numeric_fields() -> Iterator[tuple[str, str | None, dataclasses.Field, type]]:
    for path, driver, cls in config_tables():
        hints = typing.get_type_hints(cls)
        for field in dataclasses.fields(cls):
            for option in _options(hints[field.name]):
                if option in (int, float):
                    yield path, driver, field, option


FLOAT_KEYS = [(path, driver, field.name) for path, driver, field, kind in numeric_fields() if kind is float]


def test_every_duration_rate_and_count_has_a_lower_and_an_upper_bound() -> None:
    unbounded = [
        f"{path}.{field.name}" for path, _, field, _ in numeric_fields() if field.metadata.get("min") is None or field.metadata.get("max") is None
    ]
    assert unbounded == []


@pytest.mark.parametrize("value", ["nan", "inf", "-inf"])
@pytest.mark.parametrize(("table", "driver", "key"), FLOAT_KEYS, ids=[f"{t}.{k}" + (f"[{d}]" if d else "") for t, d, k in FLOAT_KEYS])
def test_every_float_key_refuses_nan_and_infinity_with_its_line(table: str, driver: str | None, key: str, value: str) -> None:
    header = f'[{table}]\ndriver = "{driver}"\n' if driver else f"[{table}]\n"
    line = header.count("\n") + 1
    [problem] = problems_of(f"{header}{key} = {value}\n")
    assert problem.startswith(f"line {line}: {table}.{key} = {value}: expected a")


def test_nan_unlock_time_is_refused_naming_file_line_key_and_range() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(KioskConfig, '[gate]\ngate_id = "a"\nunlock_s = nan\n', source="kiosk.toml")
    assert str(caught.value) == "kiosk.toml: line 3: gate.unlock_s = nan: expected a number from 0.5 to 60"


def test_a_febrile_reading_cannot_be_let_through_by_a_nan_threshold() -> None:
    [problem] = problems_of("[thermal]\nthreshold_c = nan\n")
    assert problem.startswith("line 2: thermal.threshold_c = nan: expected a number from 35")


def test_a_section_without_a_driver_still_reports_every_other_error_in_it() -> None:
    assert problems_of("[door]\nrelay_pin = 99\nrelay_pinn = 3\nedges_file = 7\n") == [
        "line 1: door.driver is missing: expected one of 'simulated', 'gpio'",
        "line 2: door.relay_pin = 99: expected an integer from 2 to 27",
        "line 3: door.relay_pinn: unknown key for every driver (did you mean 'relay_pin'?)",
        "line 4: door.edges_file = 7: expected a string, got an integer",
    ]


def test_the_old_second_gate_name_is_refused_with_where_it_moved() -> None:
    assert problems_of('[credentials]\ngate_id = "north"\n') == ["line 2: credentials.gate_id: unknown key (the setting moved: use gate.gate_id)"]


def printed_keys(text: str) -> set[str]:
    """Dotted keys in check-config's output, counting the commented-out lines of keys that are not set."""
    keys, table = set(), ""
    for line in text.splitlines():
        header = re.fullmatch(r"\[([\w.]+)\]", line)
        if header:
            table = header.group(1)
        key = re.match(r"#? ?(\w+) =", line)
        if key:
            keys.add(f"{table}.{key.group(1)}" if table else key.group(1))
    return keys


def declared_keys(config: object, path: str = "") -> set[str]:
    keys = set()
    for field in dataclasses.fields(config):
        name = f"{path}.{field.name}" if path else field.name
        value = getattr(config, field.name)
        keys |= declared_keys(value, name) if dataclasses.is_dataclass(value) else {name}
    return keys


def with_every_driver() -> Iterator[KioskConfig]:
    """The defaults, then each device section switched to each of its drivers in turn."""
    base = KioskConfig()
    yield base
    hints = typing.get_type_hints(KioskConfig)
    for field in dataclasses.fields(KioskConfig):
        for option in _options(hints[field.name])[1:] if len(_options(hints[field.name])) > 1 else []:
            yield dataclasses.replace(base, **{field.name: option()})


def test_check_config_output_lists_every_field_of_every_config_dataclass() -> None:
    for config in with_every_driver():
        assert printed_keys(dump_config(config)) == declared_keys(config)


def test_check_config_of_an_empty_file_names_the_keys_that_have_no_default(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "kiosk", "check-config", "/dev/null"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    for key in ("storage.embeddings_key_file", "thermal.calibration_file", "credentials.pseudonym_key_file"):
        assert key in printed_keys(result.stdout)
    assert parse_config(KioskConfig, result.stdout) == KioskConfig(), "the output reads back as the same config"


def _bad_files(folder: Path) -> dict[str, Path]:
    contents = {
        "random-bytes": random.Random(14).randbytes(4096),
        "latin-1": '[gate]\ngate_id = "caf\xe9"\n'.encode("latin-1"),
        "nested-tables": b"[" * 5000,
        "nested-arrays": b"a = " + b"[" * 5000 + b"]" * 5000,
        "oversized": b"# padding\n" * 200_000,
    }
    files = {}
    for name, data in contents.items():
        files[name] = folder / f"{name}.toml"
        files[name].write_bytes(data)
    return files


@pytest.mark.parametrize("command", [["check-config"], ["run", "--config"], ["doctor", "--config"]], ids=lambda c: c[0])
def test_undecodable_nested_or_oversized_files_give_one_line_and_exit_2(command: list[str], tmp_path: Path) -> None:
    for name, path in _bad_files(tmp_path).items():
        result = subprocess.run([sys.executable, "-m", "kiosk", *command, str(path)], capture_output=True, text=True, timeout=120)
        assert result.returncode == 2, (name, result.stderr)
        assert "Traceback" not in result.stderr, name
        [line] = result.stderr.splitlines()
        assert line.startswith(f"kiosk: {path}: "), name


def test_a_nan_loop_rate_stops_the_service_before_it_can_spin(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text("[service]\nloop_hz = nan\n")
    result = subprocess.run([sys.executable, "-m", "kiosk", "run", "--config", str(path)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr == f"kiosk: {path}: line 2: service.loop_hz = nan: expected a number from 1 to 120\n"


def test_a_nested_value_is_shown_cut_short_on_the_line_of_its_key() -> None:
    [problem] = problems_of("[gate]\nchecks = " + "[" * 300 + "]" * 300 + "\n")
    assert problem.startswith("line 2: gate.checks[0] = [[[")
    assert problem.endswith("…: expected a string, got a list") and len(problem) < 160
