"""Fetching from a local HTTP server (never the internet): an upstream URL, a pinned wheel through a fake
PyPI simple index and the real pip, a mirror, and derivation; checksums verified, nothing saved on failure."""

import functools
import hashlib
import http.server
import os
import subprocess
import sys
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk import models
from kiosk.models import InputSpec, Licence, ModelSpec
from kiosk.models.derive import derive
from kiosk.models.licences import NOTICE_SUFFIX
from kiosk.models.manifest import DerivedSource, UrlSource, WheelSource

from .onnx_graphs import quantized_graph

PACKAGE, VERSION = "kiosk-test-models", "1.0"
WHEEL = "kiosk_test_models-1.0-py3-none-any.whl"
MEMBER = "kiosk_test_models/models/tiny_int8bq.onnx"


class _RecordingHandler(http.server.SimpleHTTPRequestHandler):
    def __init__(self, *args: object, requests: list[str], **kwargs: object) -> None:
        self._requests = requests
        super().__init__(*args, **kwargs)

    def log_message(self, format: str, *args: object) -> None:
        self._requests.append(self.path)


class Server:
    """A folder served on 127.0.0.1; `requests` lists the paths asked for."""

    def __init__(self, directory: Path) -> None:
        self.requests: list[str] = []
        handler = functools.partial(_RecordingHandler, directory=str(directory), requests=self.requests)
        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def serve() -> Iterator:
    servers = []

    def start(directory: Path) -> Server:
        directory.mkdir(parents=True, exist_ok=True)
        servers.append(Server(directory))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def build_wheel(folder: Path, member_bytes: bytes) -> str:
    """A minimal wheel carrying `member_bytes` at MEMBER; returns its sha256."""
    folder.mkdir(parents=True, exist_ok=True)
    dist_info = "kiosk_test_models-1.0.dist-info"
    with zipfile.ZipFile(folder / WHEEL, "w") as wheel:
        wheel.writestr(MEMBER, member_bytes)
        wheel.writestr(f"{dist_info}/METADATA", f"Metadata-Version: 2.1\nName: {PACKAGE}\nVersion: {VERSION}\n")
        wheel.writestr(f"{dist_info}/WHEEL", "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
        wheel.writestr(f"{dist_info}/RECORD", "")
    return hashlib.sha256((folder / WHEEL).read_bytes()).hexdigest()


@pytest.fixture
def fake_pypi(tmp_path, serve, monkeypatch) -> Server:
    """A PyPI simple index on 127.0.0.1 serving one wheel that carries a quantized graph; pip is pointed at it alone."""
    root = tmp_path / "pypi"
    digest = build_wheel(root / "files", quantized_graph())
    page = root / "simple" / PACKAGE
    page.mkdir(parents=True)
    (page / "index.html").write_text(f'<html><body><a href="../../files/{WHEEL}#sha256={digest}">{WHEEL}</a></body></html>')
    server = serve(root)
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("PIP_INDEX_URL", server.url + "simple/")
    monkeypatch.setenv("PIP_CACHE_DIR", str(tmp_path / "pip-cache"))
    monkeypatch.delenv("PIP_EXTRA_INDEX_URL", raising=False)
    monkeypatch.delenv("PIP_FIND_LINKS", raising=False)
    server.wheel_sha256 = digest
    return server


def _spec(name: str, content: bytes, sources: tuple = (), default: bool = True, file: str | None = None) -> ModelSpec:
    contract = InputSpec("x", (1, 1, 2, 4), "NCHW", "BGR", "float32", "raw")
    return ModelSpec(
        name, "test", file or f"tiny/{name}.onnx", hashlib.sha256(content).hexdigest(), len(content),
        Licence("MIT", "Copyright (c) 2026 Test"), "a test graph", sources, contract, default,
    )


def _wheel_source(wheel_sha256: str) -> WheelSource:
    return WheelSource(PACKAGE, VERSION, WHEEL, wheel_sha256, MEMBER, "MIT")


def _tiny_manifest(upstream: str, wheel_sha256: str) -> dict[str, ModelSpec]:
    """'tiny-published' (from `upstream`, else the wheel), 'tiny-int8bq' (stale inputs removed) and 'tiny' (folded), as SFace."""
    published = quantized_graph()
    int8bq = derive(published, ("remove-stale-inputs",))
    folded = derive(int8bq, ("fold-dequantize",))
    return {
        "tiny-published": _spec("tiny-published", published, (UrlSource(upstream), _wheel_source(wheel_sha256)), False),
        "tiny-int8bq": _spec("tiny-int8bq", int8bq, (DerivedSource("tiny-published", ("remove-stale-inputs",)),), False),
        "tiny": _spec("tiny", folded, (DerivedSource("tiny-int8bq", ("fold-dequantize",)),)),
    }


def _files(folder: Path) -> list[str]:
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*") if path.is_file()) if folder.exists() else []


def test_unreachable_upstream_falls_back_to_the_pinned_wheel_and_derives_the_default_file(tmp_path, fake_pypi):
    manifest = _tiny_manifest(fake_pypi.url + "upstream/absent.onnx", fake_pypi.wheel_sha256)
    with models.Fetcher(tmp_path / "models", manifest) as fetcher:
        fetched = fetcher.fetch(manifest["tiny"])
        again = fetcher.fetch(manifest["tiny"])
    assert models.sha256_of(fetched.path) == manifest["tiny"].sha256
    assert "derived from 'tiny-int8bq'" in fetched.obtained and f"PyPI {PACKAGE}==1.0" in fetched.obtained
    assert again.obtained == "already present"
    assert _files(tmp_path / "models") == ["tiny/tiny.onnx", "tiny/tiny.onnx" + NOTICE_SUFFIX]
    assert f"/files/{WHEEL}" in fake_pypi.requests and "/upstream/absent.onnx" in fake_pypi.requests


def test_licence_notice_names_the_licence_copyright_and_source_and_carries_the_text(tmp_path, fake_pypi):
    manifest = _tiny_manifest(fake_pypi.url + "upstream/absent.onnx", fake_pypi.wheel_sha256)
    path = models.fetch(manifest["tiny"], tmp_path, manifest=manifest).path
    notice = path.with_name(path.name + NOTICE_SUFFIX).read_text()
    assert "Licence: MIT; Copyright (c) 2026 Test" in notice and f"sha256 {manifest['tiny'].sha256}" in notice
    assert "Obtained: derived from 'tiny-int8bq'" in notice and "Permission is hereby granted" in notice
    assert "\nCopyright (c) 2026 Test\n" in notice


def test_upstream_url_is_used_when_it_answers_and_pip_is_not_run(tmp_path, serve):
    upstream = serve(tmp_path / "upstream")
    (tmp_path / "upstream" / "published.onnx").write_bytes(quantized_graph())
    manifest = _tiny_manifest(upstream.url + "published.onnx", "0" * 64)  # a wheel pip could not find anyway
    fetched = models.fetch(manifest["tiny"], tmp_path / "models", manifest=manifest)
    assert fetched.obtained.endswith(f"from {upstream.url}published.onnx")


def test_wheel_with_another_sha256_is_refused_and_no_folder_is_left(tmp_path, fake_pypi):
    manifest = _tiny_manifest(fake_pypi.url + "upstream/absent.onnx", "f" * 64)
    with pytest.raises(models.ModelError) as caught:
        models.fetch(manifest["tiny"], tmp_path / "models" / "cache", manifest=manifest)
    message = str(caught.value)
    assert "model 'tiny' not fetched, nothing saved" in message
    assert f"wheel {WHEEL}: sha256 {fake_pypi.wheel_sha256} (expected {'f' * 64})" in message
    assert "download failed: HTTP Error 404" in message
    assert not (tmp_path / "models").exists()


def test_file_with_another_sha256_at_every_source_is_not_saved(tmp_path, serve):
    upstream = serve(tmp_path / "upstream")
    (tmp_path / "upstream" / "tampered.onnx").write_bytes(b"tampered")
    spec = _spec("tiny", b"original", (UrlSource(upstream.url + "tampered.onnx"),))
    with pytest.raises(models.ModelError, match=r"tampered\.onnx: sha256 [0-9a-f]{64} \(expected " + spec.sha256):
        models.fetch(spec, tmp_path / "models", manifest={"tiny": spec})
    assert not (tmp_path / "models").exists()


def test_mirror_folder_or_url_is_tried_first_and_a_derived_file_it_lacks_is_derived_from_one_it_has(tmp_path, serve):
    manifest = _tiny_manifest("http://127.0.0.1:9/unreachable.onnx", "0" * 64)
    mirror = tmp_path / "mirror"
    (mirror / "tiny").mkdir(parents=True)
    (mirror / "tiny" / "tiny-int8bq.onnx").write_bytes(derive(quantized_graph(), ("remove-stale-inputs",)))
    from_folder = models.fetch(manifest["tiny"], tmp_path / "a", str(mirror), manifest)
    assert from_folder.obtained == f"derived from 'tiny-int8bq' (fold-dequantize) <- from {mirror.as_uri()}/tiny/tiny-int8bq.onnx"
    served = serve(mirror)
    from_url = models.fetch(manifest["tiny-int8bq"], tmp_path / "b", served.url, manifest)
    assert from_url.obtained == f"from {served.url}tiny/tiny-int8bq.onnx"
    assert models.sha256_of(from_url.path) == manifest["tiny-int8bq"].sha256


def test_corrupt_file_in_place_is_replaced_by_a_verified_one(tmp_path):
    mirror = tmp_path / "mirror"
    (mirror / "tiny").mkdir(parents=True)
    (mirror / "tiny" / "tiny.onnx").write_bytes(b"good bytes")
    spec = _spec("tiny", b"good bytes")
    (tmp_path / "models" / "tiny").mkdir(parents=True)
    (tmp_path / "models" / "tiny" / "tiny.onnx").write_bytes(b"truncated")
    assert models.fetch(spec, tmp_path / "models", str(mirror), {"tiny": spec}).path.read_bytes() == b"good bytes"


def test_model_no_public_source_ships_needs_a_mirror(tmp_path):
    spec = _spec("mask", b"x")
    with pytest.raises(models.ModelError, match="no public source ships tiny/mask.onnx.*--from URL or folder"):
        models.fetch(spec, tmp_path / "models", manifest={"mask": spec})
    assert not (tmp_path / "models").exists()


def test_manifest_default_models_reach_a_pinned_wheel_and_every_licence_has_its_text():
    manifest = models.load_manifest()
    assert [spec.name for spec in models.default_models(manifest)] == ["yunet", "sface"]

    def reaches_a_wheel(spec: ModelSpec) -> bool:
        return any(
            isinstance(source, WheelSource) and len(source.wheel_sha256) == 64
            or isinstance(source, DerivedSource) and reaches_a_wheel(manifest[source.derive_from])
            for source in spec.sources
        )

    assert all(reaches_a_wheel(spec) for spec in models.default_models(manifest))
    from kiosk.models.licences import licence_text

    for spec in manifest.values():
        assert spec.licence.spdx in ("MIT", "Apache-2.0") and spec.licence.copyright
        assert spec.licence.copyright in licence_text(spec) or spec.licence.spdx == "Apache-2.0"


def test_cli_fetch_then_verify_from_the_shared_folder_as_a_mirror_from_a_folder_with_its_own_models_dir(tmp_path, shared_dir):
    """The real derivation runs (yunet is not in the mirror, its published parent is); a `models/` folder in the
    working directory shadows nothing."""
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "__init__.py").write_text("raise ImportError('the user models package was imported')\n")
    target = tmp_path / "EMPTY"

    def kiosk(*arguments: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "kiosk", *arguments], capture_output=True, text=True, cwd=tmp_path)

    fetched = kiosk("models", "fetch", "--dir", str(target), "--from", str(shared_dir / "models"))
    assert fetched.returncode == 0, fetched.stderr
    assert "derived from 'yunet-2023mar-int8bq'" in fetched.stdout
    verified = kiosk("models", "verify", "--dir", str(target))
    assert verified.returncode == 0, verified.stderr
    assert "model 'yunet' ok" in verified.stdout and "model 'sface' ok" in verified.stdout
    assert "optional models not present: " in verified.stdout and "mask" in verified.stdout
    (target / models.load_manifest()["sface"].file).write_bytes(b"corrupt")
    corrupt = kiosk("models", "verify", "--dir", str(target))
    assert corrupt.returncode == 1 and "model 'sface' at" in corrupt.stderr


def test_cli_names_each_model_that_could_not_be_fetched(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "kiosk", "models", "fetch", "mask", "--dir", str(tmp_path / "m")],
        capture_output=True, text=True, cwd=tmp_path,
    )
    assert result.returncode == 1
    assert result.stderr.startswith("kiosk: model 'mask': no public source ships mask_aizoo/") and result.stderr.count("\n") == 1
    assert not (tmp_path / "m").exists()


def test_a_folder_that_cannot_be_made_is_a_model_error_naming_it(tmp_path):
    mirror = tmp_path / "mirror"
    (mirror / "tiny").mkdir(parents=True)
    (mirror / "tiny" / "tiny.onnx").write_bytes(b"model")
    (tmp_path / "a-file").write_text("not a folder")
    spec = _spec("tiny", b"model")
    with pytest.raises(models.ModelError, match=f"model 'tiny': cannot save {tmp_path}/a-file/models/tiny/tiny.onnx"):
        models.fetch(spec, tmp_path / "a-file" / "models", str(mirror), {"tiny": spec})
