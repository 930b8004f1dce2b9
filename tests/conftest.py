"""Shared fixtures: the read-only `../shared` folder (skipped with a reason when absent), the model cache and a manual clock."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from hardware.clock import ManualClock

PROJECT_ROOT = Path(__file__).resolve().parent.parent
MODELS_CACHE = PROJECT_ROOT / ".models"
"""The project's model cache: ./dev.sh set-up fetches the default models into it (kiosk models fetch)."""


def _shared_root() -> Path:
    return Path(os.environ.get("KIOSK_SHARED_DIR", PROJECT_ROOT.parent / "shared"))


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The shared development data (`../shared`); tests that need it skip when it is absent."""
    root = _shared_root()
    if not root.is_dir():
        pytest.skip(f"shared data folder {root} is absent (set KIOSK_SHARED_DIR or place it beside the project)")
    return root


@pytest.fixture(scope="session")
def models_dir() -> Path:
    """The models folder the vision tests load: the project's cache `.models/`.

    When `../shared/models` is present, models missing from the cache (the optional mask and liveness models too) are
    first taken from it as a local mirror, without network; the default yunet is derived from the
    published file there. Without it, the cache must hold the default models (./dev.sh fetches them).
    """
    from dataclasses import replace

    from kiosk import models
    from kiosk.models.manifest import DerivedSource

    manifest = models.load_manifest()
    shared = _shared_root() / "models"
    if shared.is_dir():
        # the shared folder and derivations only: tests never download
        local = {
            name: replace(spec, sources=tuple(source for source in spec.sources if isinstance(source, DerivedSource)))
            for name, spec in manifest.items()
        }
        with models.Fetcher(MODELS_CACHE, local, mirror=str(shared)) as fetcher:
            for name in ("yunet", "sface", "mask", "minifasnet-v2", "minifasnet-v1se"):
                try:
                    fetcher.fetch(local[name])
                except models.ModelError:
                    pass  # reported below (default models) or by the `mask_model` fixture
    missing = [spec.name for spec in models.default_models(manifest) if models.check(spec, MODELS_CACHE).state != "ok"]
    if missing:
        pytest.skip(f"models {', '.join(missing)} not fetched into {MODELS_CACHE} (run ./dev.sh setup or 'kiosk models fetch --dir {MODELS_CACHE}')")
    return MODELS_CACHE


@pytest.fixture(scope="session")
def mask_model(models_dir: Path) -> Path:
    """The models folder, for tests of the optional mask model: skipped when it is absent (no public source ships it)."""
    from kiosk import models

    status = models.check(models.load_manifest()["mask"], models_dir)
    if status.state != "ok":
        pytest.skip(f"{status.detail}")
    return models_dir


@pytest.fixture(scope="session")
def liveness_models(models_dir: Path) -> Path:
    """The models folder, for tests of the optional MiniFASNet liveness models: skipped when they are absent."""
    from kiosk import models

    manifest = models.load_manifest()
    for name in ("minifasnet-v2", "minifasnet-v1se"):
        status = models.check(manifest[name], models_dir)
        if status.state != "ok":
            pytest.skip(f"{status.detail}")
    return models_dir


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()
