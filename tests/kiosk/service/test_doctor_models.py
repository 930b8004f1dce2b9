"""`kiosk doctor`'s models probe: the mask model is needed only when a mask is required."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from hardware.clock import ManualClock
from kiosk.config import KioskConfig
from kiosk.service.doctor import probe_models


def _config(models_dir: Path, checks: list[str], mask_policy: str = "allow") -> KioskConfig:
    base = KioskConfig()
    return replace(
        base,
        gate=replace(base.gate, checks=checks),
        vision=replace(base.vision, models_dir=str(models_dir), mask_policy=mask_policy),
    )


def _without_mask(models_dir: Path, folder: Path) -> Path:
    for name in ("yunet", "sface"):
        (folder / name).mkdir(parents=True)
        for path in (models_dir / name).glob("*.onnx"):
            (folder / name / path.name).symlink_to(path)
    return folder


def test_face_check_without_the_mask_model_is_ready_when_nothing_uses_mask_verdicts(models_dir, tmp_path):
    finding = probe_models(_config(_without_mask(models_dir, tmp_path), ["credential", "face"]), ManualClock())
    assert finding.ok and finding.detail.startswith("yunet, sface present and verified in ")


def test_a_required_mask_without_the_mask_model_fails_naming_it(models_dir, tmp_path):
    folder = _without_mask(models_dir, tmp_path)
    for config in (_config(folder, ["credential", "face"], "require"), _config(folder, ["credential", "face", "mask"])):
        finding = probe_models(config, ManualClock())
        assert not finding.ok and "face-unavailable" in finding.detail and "model 'mask' missing: " in finding.detail
