from pathlib import Path

import pytest

from kiosk import models


def test_manifest_names_every_model_with_checksum_licence_and_input_contract():
    manifest = models.load_manifest()
    assert {"yunet", "sface", "mask", "yunet-2026may"} <= set(manifest)
    for spec in manifest.values():
        assert len(spec.sha256) == 64 and int(spec.sha256, 16) >= 0
        assert spec.licence.spdx and spec.provenance and spec.size_bytes > 0
        assert spec.input.layout == "NCHW" and spec.input.channels in ("BGR", "RGB")


def test_configured_dir_wins_over_environment_which_wins_over_default(tmp_path):
    env = {models.ENV_VAR: str(tmp_path / "env")}
    assert models.resolve_models_dir(tmp_path / "cfg", env) == tmp_path / "cfg"
    assert models.resolve_models_dir("", env) == tmp_path / "env"
    assert models.resolve_models_dir(None, {}) == Path("/var/lib/kiosk/models")


def test_missing_model_error_names_file_folder_and_fix(tmp_path):
    spec = models.load_manifest()["yunet"]
    with pytest.raises(models.ModelMissing) as caught:
        models.locate(spec, tmp_path)
    message = str(caught.value)
    assert spec.file in message and str(tmp_path) in message and "kiosk models fetch yunet" in message


def test_model_no_public_source_ships_says_to_copy_it_or_use_a_mirror(tmp_path):
    spec = models.load_manifest()["mask"]
    with pytest.raises(models.ModelMissing, match="--from MIRROR"):
        models.locate(spec, tmp_path)


def test_file_with_wrong_checksum_is_refused(tmp_path):
    spec = models.load_manifest()["yunet"]
    path = tmp_path / spec.file
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not a model")
    with pytest.raises(models.ModelCorrupt, match="expected " + spec.sha256):
        models.locate(spec, tmp_path)
    assert models.check(spec, tmp_path).state == "corrupt"


def test_shared_models_verify(shared_dir):
    """Every model the shared folder holds matches the manifest (the default yunet is derived, so it is not there)."""
    present = [spec for spec in models.load_manifest().values() if (shared_dir / "models" / spec.file).is_file()]
    assert {spec.name for spec in present} >= {"sface", "sface-int8bq", "yunet-2023mar-int8bq", "yunet-2026may", "mask"}
    for spec in present:
        assert models.check(spec, shared_dir / "models").state == "ok"
