"""Downloading model files with sha256 verification; a partial or wrong download never replaces a file."""

from __future__ import annotations

import hashlib
import os
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from kiosk.models.manifest import ModelSpec
from kiosk.models.store import ModelCorrupt, ModelError, sha256_of

_CHUNK = 1 << 20


def source_url(spec: ModelSpec, mirror: str | None = None) -> str:
    """Where to download `spec`: `mirror` + its file path when a mirror is given, else the manifest URL."""
    if mirror:
        return mirror.rstrip("/") + "/" + urllib.parse.quote(spec.file)
    if spec.url is None:
        raise ModelError(
            f"model '{spec.name}' ({spec.file}) has no upstream URL with byte-identical content "
            f"(source: {spec.source}); give a mirror that serves it with --from URL, or copy the file in"
        )
    return spec.url


def fetch(spec: ModelSpec, directory: Path, mirror: str | None = None, timeout_s: float = 60.0) -> Path:
    """Download `spec` into `directory` unless a verified copy is already there; returns its path.

    The file is written to a temporary name beside the target and renamed only after its sha256 matches.
    """
    target = directory / spec.file
    if target.is_file() and sha256_of(target) == spec.sha256:
        return target
    url = source_url(spec, mirror)
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out, urllib.request.urlopen(url, timeout=timeout_s) as response:
            while chunk := response.read(_CHUNK):
                digest.update(chunk)
                out.write(chunk)
        if digest.hexdigest() != spec.sha256:
            raise ModelCorrupt(
                f"model '{spec.name}' from {url}: sha256 {digest.hexdigest()} (expected {spec.sha256}); not saved"
            )
        os.replace(temporary, target)
    except (urllib.error.URLError, OSError) as err:
        raise ModelError(f"model '{spec.name}': download from {url} failed: {err}") from err
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    return target
