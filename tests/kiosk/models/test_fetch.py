"""Fetching from a local HTTP server (never the internet): checksum verified, nothing saved on a mismatch."""

import dataclasses
import functools
import hashlib
import http.server
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk import models
from kiosk.models import InputSpec, ModelSpec


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def serve() -> Iterator:
    servers = []

    def start(directory: Path) -> str:
        handler = functools.partial(_QuietHandler, directory=str(directory))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def _spec(content: bytes, url: str | None = None) -> ModelSpec:
    contract = InputSpec("input", (1, 3, 8, 8), "NCHW", "BGR", "float32", "raw")
    return ModelSpec("tiny", "test", "tiny/tiny.onnx", hashlib.sha256(content).hexdigest(), len(content), "MIT", "test", url, contract)


def test_fetch_from_mirror_saves_the_verified_file(tmp_path, serve):
    content = b"tiny model bytes" * 100
    (tmp_path / "served" / "tiny").mkdir(parents=True)
    (tmp_path / "served" / "tiny" / "tiny.onnx").write_bytes(content)
    base = serve(tmp_path / "served")
    path = models.fetch(_spec(content), tmp_path / "models", mirror=base)
    assert path.read_bytes() == content
    assert list(path.parent.iterdir()) == [path]


def test_fetch_with_wrong_checksum_saves_nothing(tmp_path, serve):
    (tmp_path / "served").mkdir()
    (tmp_path / "served" / "file.onnx").write_bytes(b"tampered")
    spec = dataclasses.replace(_spec(b"original"), url=serve(tmp_path / "served") + "file.onnx")
    with pytest.raises(models.ModelCorrupt, match="not saved"):
        models.fetch(spec, tmp_path / "models")
    assert [p for p in (tmp_path / "models").rglob("*") if p.is_file()] == []


def test_fetch_of_missing_url_names_the_model_and_url(tmp_path, serve):
    base = serve(tmp_path)
    with pytest.raises(models.ModelError, match=r"model 'tiny': download from http://127\.0\.0\.1:\d+/tiny/tiny\.onnx failed"):
        models.fetch(_spec(b"x"), tmp_path / "models", mirror=base)


def test_model_without_url_needs_a_mirror(tmp_path):
    with pytest.raises(models.ModelError, match="--from URL"):
        models.fetch(_spec(b"x"), tmp_path)


def test_cli_fetch_then_verify_real_model_from_local_mirror(tmp_path, serve, models_dir):
    base = serve(models_dir)
    target = tmp_path / "models"
    fetched = subprocess.run(
        [sys.executable, "-m", "kiosk", "models", "fetch", "yunet", "--dir", str(target), "--from", base],
        capture_output=True, text=True,
    )
    assert fetched.returncode == 0, fetched.stderr
    assert models.sha256_of(target / models.load_manifest()["yunet"].file) == models.load_manifest()["yunet"].sha256
    verified = subprocess.run(
        [sys.executable, "-m", "kiosk", "models", "verify", "--dir", str(target)], capture_output=True, text=True
    )
    assert verified.returncode == 1
    assert "model 'yunet' ok" in verified.stdout
    assert "model 'sface' missing" in verified.stderr and str(target) in verified.stderr
