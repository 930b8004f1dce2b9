"""`kiosk people enroll` refuses what it cannot enrol safely, naming the photo and the fix."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from kiosk.storage import StorageConfig
from kiosk.vision.demo_faces import demo_faces


def kiosk(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kiosk", *map(str, args)], capture_output=True, text=True, timeout=120)


@pytest.fixture
def config_file(tmp_path: Path, storage_config: StorageConfig) -> Path:
    path = tmp_path / "kiosk.toml"
    path.write_text(
        f'[storage]\npath = "{storage_config.path}"\ndevice_key_file = "{storage_config.device_key_file}"\n'
        f'embeddings_key_file = "{storage_config.embeddings_key_file}"\n'
    )
    return path


@pytest.fixture
def enrol(config_file: Path, models_dir: Path):
    def run(person_id: str, *more: str | Path) -> subprocess.CompletedProcess[str]:
        return kiosk("people", "enroll", person_id, *more, "--consent", "desk", "--config", config_file, "--models-dir", models_dir)
    return run


def people(config_file: Path) -> list[dict]:
    return json.loads(kiosk("people", "list", "--json", "--config", config_file).stdout)


@pytest.fixture
def two_people(tmp_path: Path) -> Path:
    """The two demo faces side by side: the astronaut on the left, Grace Hopper on the right."""
    faces = demo_faces()
    left, right = (cv2.resize(face, (face.shape[1] * 512 // face.shape[0], 512)) for face in (faces.enrolled, faces.unknown))
    path = tmp_path / "group.png"
    cv2.imwrite(str(path), np.hstack([left, right]))
    return path


def test_a_photo_with_two_faces_is_refused_naming_the_file_and_how_to_choose(enrol, two_people: Path, config_file: Path) -> None:
    result = enrol("holder-7", two_people)
    assert result.returncode == 2, result.stderr
    assert f"'{two_people}': 2 faces (expected exactly one): crop the photo to the person, or choose one with --face N" in result.stderr
    assert people(config_file) == []
    chosen = enrol("holder-7", two_people, "--face", "2")
    assert chosen.returncode == 0, chosen.stderr
    assert [p["person_id"] for p in people(config_file)] == ["holder-7"]


def test_re_enrolling_an_id_needs_replace(enrol, tmp_path: Path, config_file: Path) -> None:
    first, second = tmp_path / "first.png", tmp_path / "second.png"
    cv2.imwrite(str(first), demo_faces().enrolled)
    cv2.imwrite(str(second), demo_faces().unknown)
    assert enrol("holder-7", first).returncode == 0
    before = people(config_file)
    again = enrol("holder-7", second)
    assert again.returncode == 2 and "'holder-7' is already enrolled" in again.stderr and "--replace" in again.stderr
    assert people(config_file) == before
    replaced = enrol("holder-7", second, "--replace")
    assert replaced.returncode == 0 and replaced.stdout.startswith("re-enrolled 'holder-7'")


def test_a_small_face_names_the_file_and_the_fix(enrol, tmp_path: Path) -> None:
    photo = tmp_path / "passport-scan.png"
    cv2.imwrite(str(photo), cv2.resize(demo_faces().enrolled, (160, 160)))
    result = enrol("holder-7", photo)
    assert result.returncode == 2
    assert f"enrolment photo '{photo}': face-too-small:" in result.stderr and "< 80 px: use a closer or larger photo" in result.stderr


@pytest.mark.parametrize("person_id", ["Alice Smith", "Alice", "smith,alice"])
def test_a_name_is_refused_as_id_before_any_photo_is_read(config_file: Path, tmp_path: Path, person_id: str,
                                                          storage_config: StorageConfig) -> None:
    result = kiosk("people", "enroll", person_id, tmp_path / "not-read.jpg", "--consent", "desk", "--config", config_file)
    assert result.returncode == 2
    assert f"person id {person_id!r}: expected a pseudonymous code of lowercase letters, digits and dashes" in result.stderr
    assert not storage_config.path.exists()
