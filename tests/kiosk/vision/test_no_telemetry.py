"""Nothing the kiosk runs reports usage: onnxruntime's telemetry store is never written."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("onnxruntime")

STORE = Path(".cache") / "Microsoft" / "DeveloperTools" / ".onnxruntime"

TINY_MODEL = """
import numpy as np
from onnx import TensorProto, helper
graph = helper.make_graph(
    [helper.make_node("Relu", ["x"], ["y"])], "tiny",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])], [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])],
)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
"""


def run_with_home(home: Path, code: str) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("ORT_DISABLE_TELEMETRY", "XDG_CACHE_HOME")}
    env["HOME"] = str(home)
    subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=env, check=True, cwd=home, timeout=120)


def store_files(home: Path) -> list[str]:
    return sorted(str(p.relative_to(home)) for p in (home / STORE).rglob("*")) if (home / STORE).exists() else []


def test_opening_and_running_a_session_writes_no_telemetry_store(tmp_path: Path) -> None:
    plain, kiosk = tmp_path / "plain", tmp_path / "kiosk"
    plain.mkdir()
    kiosk.mkdir()
    run_with_home(plain, TINY_MODEL + """
import onnxruntime
session = onnxruntime.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
session.run(None, {"x": np.ones((1, 4), np.float32)})
""")
    if not store_files(plain):
        pytest.skip("this onnxruntime build keeps no telemetry store, so there is nothing to switch off")
    run_with_home(kiosk, TINY_MODEL + """
from pathlib import Path
from kiosk.vision.session import open_session
Path("tiny.onnx").write_bytes(model.SerializeToString())
session = open_session(Path("tiny.onnx"), threads=1, warmup_shape=(1, 4))
session.run(None, {"x": np.ones((1, 4), np.float32)})
""")
    assert store_files(kiosk) == []


def test_the_demo_writes_no_telemetry_store(tmp_path: Path) -> None:
    (tmp_path / "no-models").mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("ORT_DISABLE_TELEMETRY", "XDG_CACHE_HOME")}
    env.update(HOME=str(tmp_path), KIOSK_MODELS_DIR=str(tmp_path / "no-models"))
    subprocess.run([sys.executable, "-m", "kiosk", "demo", "--json"], env=env, check=True, capture_output=True, timeout=300)
    assert store_files(tmp_path) == []
