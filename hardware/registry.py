"""Driver lookup: a table of `"module:Class"` strings per device, imported only when chosen."""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from types import ModuleType

from hardware.errors import DriverNotInstalled


def load_driver(kind: str, table: Mapping[str, str], name: str) -> type:
    """Import and return the class for driver `name` of a device `kind` ("camera", "door", ...)."""
    try:
        spec = table[name]
    except KeyError:
        raise ValueError(f"{kind}.driver {name!r}: no such driver (expected one of {', '.join(map(repr, table))})") from None
    module_name, _, class_name = spec.partition(":")
    return getattr(import_vendor(module_name, f"{kind}.driver {name!r}"), class_name)


def import_vendor(module_name: str, needed_by: str, install_hint: str | None = None) -> ModuleType:
    """Import a vendor library a driver needs, or say which driver needs it and how to install it."""
    hint = install_hint or "on a Raspberry Pi: pip install 'gatekeeper-kiosk[pi]', or [pi5] on a Pi 5"
    try:
        return importlib.import_module(module_name)
    except ImportError as err:
        raise DriverNotInstalled(
            f"{needed_by} needs the Python module {module_name!r}, which is not installed here "
            f"({hint})"
        ) from err
