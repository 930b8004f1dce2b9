"""Finding model files in the models directory and checking them against the manifest's sha256."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from kiosk.errors import KioskError
from kiosk.models.manifest import ModelSpec

ENV_VAR = "KIOSK_MODELS_DIR"
DEFAULT_DIR = Path("/var/lib/kiosk/models")
_CHUNK = 1 << 20


class ModelError(KioskError):
    """A model file cannot be used; the message names the file, where it looked and how to obtain it."""


class ModelMissing(ModelError, FileNotFoundError):
    """The model file is not in the models directory."""


class ModelCorrupt(ModelError, ValueError):
    """The model file's sha256 differs from the manifest."""


def resolve_models_dir(configured: str | Path | None = None, environ: Mapping[str, str] | None = None) -> Path:
    """The models directory: the configured one if set, else $KIOSK_MODELS_DIR, else /var/lib/kiosk/models."""
    if configured:
        return Path(configured).expanduser()
    env = os.environ if environ is None else environ
    if env.get(ENV_VAR):
        return Path(env[ENV_VAR]).expanduser()
    return DEFAULT_DIR


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def how_to_obtain(spec: ModelSpec, directory: Path) -> str:
    if spec.sources:
        return f"run 'kiosk models fetch {spec.name} --dir {directory}'"
    return (
        f"copy {spec.file} into {directory} or run 'kiosk models fetch {spec.name} --dir {directory} --from MIRROR' "
        f"(no public source ships it; {spec.provenance})"
    )


def locate(spec: ModelSpec, directory: Path) -> Path:
    """The verified path of `spec` in `directory`; raises ModelMissing or ModelCorrupt."""
    path = directory / spec.file
    if not path.is_file():
        raise ModelMissing(f"model '{spec.name}' missing: no {spec.file} in {directory}; {how_to_obtain(spec, directory)}")
    actual = sha256_of(path)
    if actual != spec.sha256:
        raise ModelCorrupt(
            f"model '{spec.name}' at {path}: sha256 {actual} (expected {spec.sha256}); "
            f"delete it and {how_to_obtain(spec, directory)}"
        )
    return path


@dataclass(frozen=True)
class ModelStatus:
    """The state of one model file: 'ok', 'missing' or 'corrupt', with the line to show."""

    name: str
    path: Path
    state: Literal["ok", "missing", "corrupt"]
    detail: str


def check(spec: ModelSpec, directory: Path) -> ModelStatus:
    """Verify one model without raising."""
    path = directory / spec.file
    try:
        locate(spec, directory)
    except ModelMissing as err:
        return ModelStatus(spec.name, path, "missing", str(err))
    except ModelCorrupt as err:
        return ModelStatus(spec.name, path, "corrupt", str(err))
    return ModelStatus(spec.name, path, "ok", f"model '{spec.name}' ok: {path} (sha256 {spec.sha256[:12]}…)")
