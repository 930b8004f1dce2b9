"""The model manifest: what each ONNX file is, where it came from, and the input it expects."""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources


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


def load_manifest() -> dict[str, ModelSpec]:
    """The models this kiosk uses, by name, read from the packaged `manifest.json`."""
    text = resources.files(__package__).joinpath("manifest.json").read_text(encoding="utf-8")
    entries = json.loads(text)["models"]
    specs = {}
    for entry in entries:
        input_spec = InputSpec(**{**entry["input"], "shape": tuple(entry["input"]["shape"])})
        specs[entry["name"]] = ModelSpec(**{**entry, "input": input_spec})
    return specs
