"""ONNX model files: the manifest, locating and verifying them in the models directory, and fetching them.

Weights are never part of the repository. The directory comes from the config (`vision.models_dir`),
else $KIOSK_MODELS_DIR, else /var/lib/kiosk/models.
"""

from models.fetch import fetch
from models.manifest import InputSpec, ModelSpec, load_manifest
from models.store import (
    ENV_VAR,
    ModelCorrupt,
    ModelError,
    ModelMissing,
    ModelStatus,
    check,
    locate,
    resolve_models_dir,
    sha256_of,
)

__all__ = [
    "ENV_VAR",
    "InputSpec",
    "ModelCorrupt",
    "ModelError",
    "ModelMissing",
    "ModelSpec",
    "ModelStatus",
    "check",
    "fetch",
    "load_manifest",
    "locate",
    "resolve_models_dir",
    "sha256_of",
]
