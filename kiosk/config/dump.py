"""Render a config dataclass back to TOML: the effective configuration, secrets redacted."""

from __future__ import annotations

import dataclasses
import enum
from pathlib import Path
from typing import Any


def dump_config(config: Any) -> str:
    """TOML text for a config dataclass: every key, defaults filled in, unset keys commented out, secrets shown as "<redacted>"."""
    lines: list[str] = []
    _dump_table(config, [], lines)
    return "\n".join(lines).strip() + "\n"


def _dump_table(table: Any, path: list[str], lines: list[str]) -> None:
    scalars: list[str] = []
    subtables: list[tuple[str, Any]] = []
    for field in dataclasses.fields(table):
        value = getattr(table, field.name)
        if dataclasses.is_dataclass(value):
            subtables.append((field.name, value))
            continue
        help_text = field.metadata.get("help")
        if value is None:
            # TOML has no null: an unset key is listed commented out, so the output still names every key.
            scalars.append(f"# {field.name} =  # not set{f'; {help_text}' if help_text else ''}")
            continue
        shown = '"<redacted>"' if field.metadata.get("secret") else _toml_value(value)
        comment = f"  # {help_text}" if help_text else ""
        scalars.append(f"{field.name} = {shown}{comment}")
    if path and scalars:
        lines.append(f"\n[{'.'.join(path)}]")
    lines.extend(scalars)
    for name, value in subtables:
        _dump_table(value, path + [name], lines)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, enum.Enum):
        return _toml_value(value.value)
    if isinstance(value, Path):
        return _toml_value(str(value))
    if isinstance(value, str):
        escaped = value.replace("\\", "\\\\").replace('"', '\\"')
        return f'"{escaped}"'
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if dataclasses.is_dataclass(value):
        return _toml_value({f.name: getattr(value, f.name) for f in dataclasses.fields(value)})
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"cannot write {type(value).__name__} as TOML")
