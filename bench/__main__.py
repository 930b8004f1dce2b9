"""Run the benchmarks: `python -m bench [NAME...]`, results as JSON in bench/results/."""

from __future__ import annotations

import importlib
import json
import pkgutil
import sys
import time
from pathlib import Path

import bench

RESULTS_DIR = Path(__file__).resolve().parent / "results"


def available() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules(bench.__path__) if not m.name.startswith("_"))


def main(argv: list[str]) -> int:
    names = argv or available()
    unknown = [n for n in names if n not in available()]
    if unknown:
        print(f"bench: unknown benchmark(s) {', '.join(unknown)} (expected: {', '.join(available())})", file=sys.stderr)
        return 2
    RESULTS_DIR.mkdir(exist_ok=True)
    for name in names:
        started = time.perf_counter()
        result = importlib.import_module(f"bench.{name}").run()
        path = RESULTS_DIR / f"{name}.json"
        path.write_text(json.dumps(result, indent=2) + "\n")
        print(f"{name}: {time.perf_counter() - started:.1f} s -> {path}")
        print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
