"""The model manifest: what each ONNX file is, where it came from, and the input it expects."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


@dataclass(frozen=True)
class InputSpec:
    """The input tensor contract of a model: name, shape, layout, channel order, dtype, normalisation."""

    name: str
    shape: tuple[int | str, ...]
    layout: str
    channels: str
    dtype: str
    normalisation: str
    note: str = ""


@dataclass(frozen=True)
class ModelSpec:
    """One model file: `file` is relative to the models directory; `url` is None when no upstream copy is byte-identical."""

    name: str
    role: str
    file: str
    sha256: str
    size_bytes: int
    licence: str
    source: str
    url: str | None
    input: InputSpec


def data_dir() -> Path:
    """The folder holding `manifest.json` and the int8 ranges.

    In an installed wheel it is `kiosk/models/data` (pyproject.toml maps the project's `models/` folder
    there); in a source checkout it is that `models/` folder itself, found from this file, never from the
    working directory, so a user's own `models/` folder cannot stand in for it.
    """
    installed = PACKAGE_DIR / "data"
    return installed if (installed / "manifest.json").is_file() else PACKAGE_DIR.parent.parent / "models"


def load_manifest() -> dict[str, ModelSpec]:
    """The models this kiosk uses, by name, read from `manifest.json` in `data_dir()`."""
    text = (data_dir() / "manifest.json").read_text(encoding="utf-8")
    entries = json.loads(text)["models"]
    specs = {}
    for entry in entries:
        input_spec = InputSpec(**{**entry["input"], "shape": tuple(entry["input"]["shape"])})
        specs[entry["name"]] = ModelSpec(**{**entry, "input": input_spec})
    return specs
