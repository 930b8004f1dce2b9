"""SMART Health Card QR codes (numeric `shc:/` content), rasterised from their SVG renders."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from kiosk.qr import QrConfig, QrDecoder


def rasterise(svg: str, module_px: int) -> np.ndarray:
    """The QR code in a node-qrcode style SVG: one stroked path of 1-module-high runs ('M x y.5 h n m dx dy ...')."""
    size = int(re.search(r'viewBox="0 0 (\d+) \d+"', svg).group(1))
    path = re.search(r'<path stroke="#000000" d="([^"]+)"', svg).group(1)
    modules = np.full((size, size), 255, np.uint8)
    x = y = 0.0
    for command, numbers in re.findall(r"([MmHh])([-\d.\s]+)", path):
        values = [float(v) for v in numbers.split()]
        if command == "M":
            x, y = values
        elif command == "m":
            x, y = x + values[0], y + values[1]
        else:
            end = values[0] if command == "H" else x + values[0]
            modules[int(y), int(x) : int(end)] = 0
            x = end
    return np.kron(modules, np.ones((module_px, module_px), np.uint8))


def svg_cases(shared: Path) -> list[tuple[Path, Path]]:
    folder = shared / "conformance" / "shc"
    return [
        (svg, folder / svg.name.replace("-g-qr-code-", "-f-qr-code-numeric-value-").replace(".svg", ".txt"))
        for svg in sorted(folder.glob("example-*-g-qr-code-*.svg"))
    ]


def test_every_shc_example_decodes_to_its_numeric_value(shared_dir: Path) -> None:
    cases = svg_cases(shared_dir)
    if not cases:
        pytest.skip("no SHC SVG examples in the shared folder")
    decoder = QrDecoder(QrConfig(idle_budget_ms=1e9, budget_ms=1e9))
    for svg, expected in cases:
        image = rasterise(svg.read_text(encoding="utf-8"), module_px=3)
        assert [code.text for code in decoder.decode(image)] == [expected.read_bytes().decode("utf-8")], svg.name
