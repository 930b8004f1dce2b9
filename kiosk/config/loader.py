"""Strict, typed TOML configuration: tables become frozen dataclasses, every problem is named.

Each section is a dataclass whose fields are declared with `hardware.settings.setting()` (default, one-line help with
the unit, optional range or choices). `load_config` rejects unknown keys with the nearest valid one,
wrong types and out-of-range values with the key, the value and what was expected, and reports
every problem at once (with the line in the file where it can be found).

A field whose type is a union of dataclasses is a discriminated union on their `driver` field:
`driver = "simulated"` picks the dataclass whose `driver` literal is "simulated".
"""

from __future__ import annotations

import dataclasses
import difflib
import enum
import math
import re
import tomllib
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, TypeVar, Union

from kiosk.errors import ConfigError

T = TypeVar("T")

_MISSING = dataclasses.MISSING
MAX_CONFIG_BYTES = 1 << 20  # a real config is a few kilobytes; this stops /dev/zero and similar
SHOWN_CHARS = 80  # a value quoted in a problem is cut to this, so each problem stays one readable line


def load_config(cls: type[T], path: str | Path) -> T:
    """Read a TOML file into `cls`; raise ConfigError listing every problem with its line."""
    path = Path(path)
    try:
        with path.open("rb") as file:
            data = file.read(MAX_CONFIG_BYTES + 1)
    except OSError as err:
        raise ConfigError([f"cannot read the file: {err.strerror or err}"], source=str(path)) from err
    if len(data) > MAX_CONFIG_BYTES:
        raise ConfigError([f"larger than {MAX_CONFIG_BYTES} bytes (expected a kiosk config of a few kilobytes)"], source=str(path))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        problem = f"line {line}: byte 0x{data[err.start]:02x} is not UTF-8 text (expected a TOML file, which is UTF-8)"
        raise ConfigError([problem], source=str(path)) from err
    return parse_config(cls, text, source=str(path))


def parse_config(cls: type[T], text: str, source: str = "config") -> T:
    """Parse TOML text into `cls`; raise ConfigError listing every problem."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ConfigError([f"not valid TOML: {err}"], source=source) from err
    except RecursionError as err:
        raise ConfigError(["not valid TOML: arrays or tables nested too deep (expected a flat kiosk config)"], source=source) from err
    problems: list[_Problem] = []
    result = _convert_dataclass(cls, data, "", problems)
    if problems:
        lines = [_format_problem(problem, text) for problem in problems]
        raise ConfigError(lines, source=source)
    return result


def config_from_dict(cls: type[T], data: Mapping[str, Any]) -> T:
    """Build `cls` from an already-parsed mapping (same checks as a file)."""
    problems: list[_Problem] = []
    result = _convert_dataclass(cls, data, "", problems)
    if problems:
        raise ConfigError([_format_problem(problem, "") for problem in problems])
    return result


@dataclasses.dataclass(frozen=True)
class _Problem:
    path: str
    message: str


def _format_problem(problem: _Problem, text: str) -> str:
    """The problem with the line of its key, or of the nearest enclosing table (a missing key has no line)."""
    line = None
    parts = re.sub(r"\[\d+\]", "", problem.path).split(".")  # an item of a list is on its key's line
    while text and parts and line is None:
        line = _find_line(text, ".".join(parts))
        parts.pop()
    where = f"line {line}: " if line else ""
    return f"{where}{problem.path}{problem.message}"


def _find_line(text: str, dotted: str) -> int | None:
    """Best-effort line number of a dotted key in TOML text (tables and plain `key =` lines)."""
    parts = dotted.split(".")
    table: list[str] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        header = re.fullmatch(r"\[\[?\s*([^\]]+?)\s*\]\]?", line)
        if header:
            table = [p.strip().strip('"') for p in header.group(1).split(".")]
            if table == parts:
                return number
            continue
        key = re.match(r"([A-Za-z0-9_\-\"\.]+)\s*=", line)
        if key:
            full = table + [p.strip().strip('"') for p in key.group(1).split(".")]
            if full == parts:
                return number
    return None


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    return type(value).__name__


def _show(value: Any) -> str:
    if isinstance(value, dict):
        return "{…}"
    shown = repr(value) if isinstance(value, str) else str(value).lower() if isinstance(value, bool) else str(value)
    return shown if len(shown) <= SHOWN_CHARS else shown[: SHOWN_CHARS - 1] + "…"


def _convert_dataclass(cls: type, data: Any, path: str, problems: list[_Problem]) -> Any:
    if not isinstance(data, Mapping):
        problems.append(_Problem(path, f" = {_show(data)}: expected a table, got {_describe(data)}"))
        return None
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init}
    moved = getattr(cls, "moved_keys", {})
    for key in data:
        if key in moved and key not in fields:
            problems.append(_Problem(_join(path, key), f": unknown key (the setting moved: use {moved[key]})"))
        elif key not in fields:
            close = difflib.get_close_matches(key, list(fields), n=1, cutoff=0.6)
            hint = f" (did you mean '{close[0]}'?)" if close else f" (valid keys: {', '.join(sorted(fields))})"
            problems.append(_Problem(_join(path, key), f": unknown key{hint}"))
    values: dict[str, Any] = {}
    before = len(problems)
    for name, field in fields.items():
        if name not in data:
            if field.default is _MISSING and field.default_factory is _MISSING:
                problems.append(_Problem(_join(path, name), ": required key is missing"))
            continue
        values[name] = _convert(hints[name], data[name], _join(path, name), field.metadata, problems)
    if len(problems) > before:
        return None
    try:
        instance = cls(**values)
    except (TypeError, ValueError) as err:
        problems.append(_Problem(path or cls.__name__, f": {err}"))
        return None
    check = getattr(instance, "validate", None)
    if check is not None:
        for message in check():
            problems.append(_validation_problem(path, message, fields))
    return instance


def _validation_problem(path: str, message: str, fields: Mapping[str, Any]) -> _Problem:
    """A cross-field message that starts with a key of this table is reported at that key (and its line)."""
    head = re.match(r"[A-Za-z_]\w*", message)
    if head and head.group(0) in fields:
        return _Problem(_join(path, head.group(0)), message[head.end() :])
    return _Problem(path, f": {message}" if path else message)


def _convert(hint: Any, value: Any, path: str, meta: Mapping[str, Any], problems: list[_Problem]) -> Any:
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (Union, types.UnionType):
        options = [a for a in args if a is not type(None)]
        if all(dataclasses.is_dataclass(a) for a in options) and len(options) > 1:
            return _convert_tagged(options, value, path, problems)
        if len(options) == 1:
            return _convert(options[0], value, path, meta, problems)
    if origin is Literal:
        if any(value == choice and type(value) is type(choice) for choice in args):  # 26.0 is not the choice 26, nor true 1
            return value
        choices = ", ".join(repr(a) for a in args)
        close = difflib.get_close_matches(str(value), [str(a) for a in args], n=1, cutoff=0.6)
        hint_text = f" (did you mean '{close[0]}'?)" if close else ""
        problems.append(_Problem(path, f" = {_show(value)}: expected one of {choices}{hint_text}"))
        return None
    if origin in (list, tuple):
        if not isinstance(value, list):
            problems.append(_Problem(path, f" = {_show(value)}: expected a list, got {_describe(value)}"))
            return None
        item_type = args[0] if args else Any
        items = [_convert(item_type, item, f"{path}[{i}]", {}, problems) for i, item in enumerate(value)]
        return tuple(items) if origin is tuple else items
    if origin is dict:
        if not isinstance(value, Mapping):
            problems.append(_Problem(path, f" = {_show(value)}: expected a table, got {_describe(value)}"))
            return None
        return {k: _convert(args[1], v, _join(path, k), {}, problems) for k, v in value.items()}
    if dataclasses.is_dataclass(hint):
        return _convert_dataclass(hint, value, path, problems)
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        valid = [member.value for member in hint]
        if value in valid:
            return hint(value)
        problems.append(_Problem(path, f" = {_show(value)}: expected one of {', '.join(map(repr, valid))}"))
        return None
    return _convert_scalar(hint, value, path, meta, problems)


def _convert_tagged(options: list[type], value: Any, path: str, problems: list[_Problem]) -> Any:
    by_driver = {typing.get_args(typing.get_type_hints(o)["driver"])[0]: o for o in options}
    if not isinstance(value, Mapping):
        problems.append(_Problem(path, f" = {_show(value)}: expected a table, got {_describe(value)}"))
        return None
    driver = value.get("driver")
    if driver not in by_driver:
        choices = ", ".join(repr(d) for d in by_driver)
        close = difflib.get_close_matches(str(driver), list(by_driver), n=1, cutoff=0.6)
        hint_text = f" (did you mean '{close[0]}'?)" if close else ""
        got = f" = {_show(driver)}" if driver is not None else " is missing"
        problems.append(_Problem(_join(path, "driver"), f"{got}: expected one of {choices}{hint_text}"))
        _check_without_driver(options, value, path, problems)
        return None
    return _convert_dataclass(by_driver[driver], value, path, problems)


def _check_without_driver(options: list[type], value: Mapping[str, Any], path: str, problems: list[_Problem]) -> None:
    """With no usable driver, still report every other key no driver knows and every value no driver accepts."""
    fields = {}
    for option in reversed(options):  # the first driver that declares a key decides its type
        hints = typing.get_type_hints(option)
        fields.update({f.name: (hints[f.name], f.metadata) for f in dataclasses.fields(option) if f.init and f.name != "driver"})
    for key, item in value.items():
        if key == "driver":
            continue
        if key not in fields:
            close = difflib.get_close_matches(key, list(fields), n=1, cutoff=0.6)
            hint = f"did you mean '{close[0]}'?" if close else f"valid keys: {', '.join(sorted(fields))}"
            problems.append(_Problem(_join(path, key), f": unknown key for every driver ({hint})"))
            continue
        hint, meta = fields[key]
        _convert(hint, item, _join(path, key), meta, problems)


def _convert_scalar(hint: Any, value: Any, path: str, meta: Mapping[str, Any], problems: list[_Problem]) -> Any:
    expected = {bool: "a boolean (true or false)", int: "an integer", float: "a number", str: "a string", Path: "a path (string)"}
    if hint is bool:
        ok = isinstance(value, bool)
    elif hint is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif hint is float:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        value = float(value) if ok else value
        if ok and not math.isfinite(value):
            low, high = meta.get("min"), meta.get("max")
            expected = "a finite number" if low is None and high is None else _range_text(low, high, "a number")
            problems.append(_Problem(path, f" = {value}: expected {expected}"))
            return None
    elif hint in (str, Path):
        ok = isinstance(value, str)
        value = Path(value) if ok and hint is Path else value
    else:
        ok = True
    if not ok:
        problems.append(_Problem(path, f" = {_show(value)}: expected {expected.get(hint, hint)}, got {_describe(value)}"))
        return None
    low, high = meta.get("min"), meta.get("max")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if (low is not None and value < low) or (high is not None and value > high):
            kind = "an integer" if hint is int else "a number"
            problems.append(_Problem(path, f" = {value}: expected {_range_text(low, high, kind)}"))
            return None
    return value


def _range_text(low: float | None, high: float | None, kind: str) -> str:
    if low is not None and high is not None:
        return f"{kind} from {low} to {high}"
    if low is not None:
        return f"{kind} of at least {low}"
    if high is not None:
        return f"{kind} of at most {high}"
    return kind
