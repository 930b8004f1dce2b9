"""ONNX model files: the manifest, locating and verifying them in the models directory, and fetching them.

The manifest and the int8 ranges are data in the project's `models/` folder (`data_dir()`); weights
are never part of the repository. The directory comes from the config (`vision.models_dir`),
else $KIOSK_MODELS_DIR, else /var/lib/kiosk/models.
"""

from kiosk.models.fetch import Fetched, Fetcher, fetch
from kiosk.models.manifest import InputSpec, Licence, ModelSpec, data_dir, default_models, load_manifest
from kiosk.models.store import (
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
    "Fetched",
    "Fetcher",
    "InputSpec",
    "Licence",
    "ModelCorrupt",
    "ModelError",
    "ModelMissing",
    "ModelSpec",
    "ModelStatus",
    "check",
    "data_dir",
    "default_models",
    "fetch",
    "load_manifest",
    "locate",
    "resolve_models_dir",
    "sha256_of",
]
