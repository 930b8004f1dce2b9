import onnx

from kiosk import models
from kiosk.models import quantise
from kiosk.models.calibrate_int8 import main
from kiosk.models.optimise import optimised_model
from kiosk.models.quantise import load_ranges, quantized_tensors


def test_calibration_writes_ranges_for_every_quantized_tensor_of_the_mask_model(tmp_path, shared_dir, models_dir, mask_model, monkeypatch, capsys):
    monkeypatch.setattr(quantise, "RANGES_DIR", tmp_path)
    photos = tmp_path / "photos"
    photos.mkdir()
    for path in sorted((shared_dir / "faces-dev" / "lfw-devtest").rglob("*.jpg"))[:4]:
        (photos / path.name).write_bytes(path.read_bytes())
    assert main(["--images", str(photos), "--step", "1", "--models-dir", str(models_dir)]) == 0
    spec = models.load_manifest()["mask"]
    ranges = load_ranges("mask", spec.sha256)
    assert quantized_tensors(onnx.load_from_string(optimised_model(models.locate(spec, models_dir)))) <= set(ranges.ranges)
    assert "from 4 photos in photos/" in ranges.calibration and "tensor ranges" in capsys.readouterr().out


def test_the_reference_inputs_are_written_from_the_demo_faces_bare_and_masked(tmp_path, models_dir, mask_model, monkeypatch, capsys):
    from kiosk.vision.int8_check import load_references

    monkeypatch.setattr(quantise, "RANGES_DIR", tmp_path)
    assert main(["--references", "--models-dir", str(models_dir)]) == 0
    references = load_references()
    assert references.names[:2] == ("astronaut-bare-close-up", "astronaut-bare-whole-frame")
    assert any("surgical-blue" in name for name in references.names) and references.names[-1].startswith("hopper-")
    assert "reference inputs -> " in capsys.readouterr().out


def test_calibration_needs_images_or_references(capsys):
    import pytest

    with pytest.raises(SystemExit):
        main([])
    assert "expected --images DIR (ranges), --references, or both" in capsys.readouterr().err
