"""Declaring configuration fields: a default, a one-line help with the unit, and a valid range.

Device configs in `hardware/` and the kiosk's own sections both use `setting()`; the kiosk's
strict TOML loader reads the metadata it records.
"""

import dataclasses
from typing import Any

_MISSING = dataclasses.MISSING


def setting(
    default: Any = _MISSING,
    help: str = "",
    *,
    min: float | None = None,
    max: float | None = None,
    secret: bool = False,
) -> Any:
    """A dataclass field with config metadata; mutable defaults are copied per instance."""
    metadata = {"help": help, "min": min, "max": max, "secret": secret}
    if default is _MISSING:
        return dataclasses.field(metadata=metadata)
    if isinstance(default, (list, dict)) or dataclasses.is_dataclass(default):
        return dataclasses.field(default_factory=lambda: _copy(default), metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


def _copy(value: Any) -> Any:
    if isinstance(value, list):
        return list(value)
    if isinstance(value, dict):
        return dict(value)
    return dataclasses.replace(value)
