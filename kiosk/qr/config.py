"""The `[qr]` config section: which decoding stages run, how long a frame may take, and the debounce."""

from __future__ import annotations

from dataclasses import dataclass

from hardware.settings import setting
from kiosk.qr.stages import stage_problem

DEFAULT_STAGES = [
    "zxing", "zxing+otsu", "zxing+sharpen", "zxing+upscale", "zbar", "zxing+sharpen+local", "zxing+enlarge+local",
    "curved",
]  # fmt: skip


@dataclass(frozen=True)
class QrConfig:
    """How frames are searched for QR codes, and how long a code held in view counts as one presentation."""

    stages: list[str] = setting(
        DEFAULT_STAGES,
        "decoding attempts in order, each 'DECODER' or 'DECODER+STEP+...': decoders zxing, zbar, "
        "curved (zxing on located symbols flattened from a cylinder; runs once a symbol is located); "
        "steps otsu, sharpen, clahe, adaptive, local, upscale, enlarge, invert. The first always runs",
    )
    idle_budget_ms: float = setting(
        4.0, "time the stages may take on a frame in which no code has been located, milliseconds", min=0, max=10_000
    )
    budget_ms: float = setting(
        20.0,
        "time the stages may take on a frame once a code is located in it but not yet read, milliseconds",
        min=0,
        max=10_000,
    )
    debounce_s: float = setting(
        1.5, "a code counts as presented again only after it was out of view this long, seconds", min=0, max=600
    )

    def validate(self) -> list[str]:
        problems = [
            f"stages[{index}] = {name!r}: {problem}"
            for index, name in enumerate(self.stages)
            if (problem := stage_problem(name)) is not None
        ]
        if not self.stages:
            problems.append("stages = []: expected at least one stage, such as 'zxing'")
        if self.idle_budget_ms > self.budget_ms:
            problems.append(
                f"idle_budget_ms = {self.idle_budget_ms}: expected at most budget_ms ({self.budget_ms})"
            )
        return problems
