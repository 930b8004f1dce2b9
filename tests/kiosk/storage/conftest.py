"""Storage fixtures: a fresh database in tmp_path with its own device key, on a manual clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from hardware.clock import ManualClock
from kiosk.storage import Storage, StorageConfig


@dataclass(frozen=True)
class SyntheticTemplate:
    embedding: np.ndarray
    masked: bool
    variant: str


def _synthetic_templates(seed: int, count: int = 3) -> list[SyntheticTemplate]:
    """Unit-length random embeddings, the first unmasked and the rest masked variants."""
    rng = np.random.default_rng(seed)
    vectors = rng.standard_normal((count, 128)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return [SyntheticTemplate(v, index > 0, "plain" if index == 0 else f"mask-{index}") for index, v in enumerate(vectors)]


@pytest.fixture
def synthetic_templates() -> Callable[..., list[SyntheticTemplate]]:
    """`synthetic_templates(seed, count=3)`: face templates as the face pipeline would hand them over."""
    return _synthetic_templates


@pytest.fixture
def storage_config(tmp_path: Path) -> StorageConfig:
    key_file = tmp_path / "embeddings.key"
    key_file.write_bytes(bytes(range(32)))
    return StorageConfig(path=tmp_path / "kiosk.db", device_key_file=tmp_path / "device.key", embeddings_key_file=key_file)


@pytest.fixture
def storage(storage_config: StorageConfig, clock: ManualClock):
    opened = Storage.open(storage_config, clock)
    yield opened
    opened.close()
