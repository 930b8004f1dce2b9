"""The CPU this process runs on, as far as it changes the face stage's speed or int8 answers.

onnxruntime picks its int8 kernels by instruction set: with AVX512-VNNI or AVX-VNNI a u8×s8 product
sum is exact; with plain AVX2 (vpmaddubsw) each pair of products saturates at 16 bits, so an int8
model can answer differently there. Benchmarks and the int8 check report this summary beside their figures.
"""

from __future__ import annotations

import platform
from pathlib import Path

CPUINFO = Path("/proc/cpuinfo")
MODEL_KEYS = ("model name", "Model", "Hardware", "cpu model")
FLAG_KEYS = ("flags", "Features")


def cpu_summary(cpuinfo: Path = CPUINFO) -> dict[str, object]:
    """{"model", "machine", "avx2", "avx512_vnni", "avx_vnni"} from `cpuinfo` (Linux); the model is "unknown" without it."""
    model, flags = "", set()
    try:
        text = cpuinfo.read_text(errors="replace")
    except OSError:
        text = ""
    for line in text.splitlines():
        key, _, value = (part.strip() for part in line.partition(":"))
        if key in MODEL_KEYS and not model:
            model = value
        elif key in FLAG_KEYS and not flags:
            flags = set(value.split())
    return {
        "model": model or platform.processor() or "unknown",
        "machine": platform.machine(),
        "avx2": "avx2" in flags,
        "avx512_vnni": "avx512_vnni" in flags,
        "avx_vnni": "avx_vnni" in flags,
    }


def describe(summary: dict[str, object]) -> str:
    """One line for a log or a report: `AMD EPYC (x86_64; avx2, avx512_vnni)`."""
    extensions = [name for name in ("avx2", "avx512_vnni", "avx_vnni") if summary.get(name)]
    return f"{summary['model']} ({summary['machine']}; {', '.join(extensions) or 'no avx2/vnni'})"
