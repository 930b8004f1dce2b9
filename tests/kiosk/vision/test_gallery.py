import numpy as np
import pytest

from kiosk.vision.gallery import Gallery, Template


def _unit(seed: int) -> np.ndarray:
    vector = np.random.default_rng(seed).standard_normal(128).astype(np.float32)
    return vector / np.linalg.norm(vector)


def _near(vector: np.ndarray, seed: int, amount: float = 0.3) -> np.ndarray:
    moved = vector + amount * _unit(seed)
    return moved / np.linalg.norm(moved)


@pytest.fixture
def gallery() -> Gallery:
    gallery = Gallery(unmasked_threshold=0.5, masked_threshold=0.4)
    for number in range(50):
        gallery.add(f"person-{number}", [Template(_unit(number), False, "photo")])
    gallery.add("person-7", [Template(_unit(1000), True, "surgical-blue")])
    return gallery


def test_search_finds_the_enrolled_person(gallery):
    match = gallery.search(_near(_unit(7), 99), masked=False)
    assert match.person_id == "person-7" and match.matched and match.score > 0.5 and match.threshold == 0.5


def test_unknown_face_gets_no_name_even_though_someone_is_nearest(gallery):
    match = gallery.search(_unit(5000), masked=False)
    assert match.person_id is None and not match.matched and match.score < 0.5


def test_masked_probe_uses_masked_templates_and_its_own_threshold(gallery):
    probe = _near(_unit(1000), 98)
    assert gallery.search(probe, masked=False).person_id is None  # unmasked probes ignore masked templates
    match = gallery.search(probe, masked=True)
    assert match.person_id == "person-7" and match.threshold == 0.4


def test_verify_compares_only_with_the_claimed_person(gallery):
    probe = _near(_unit(7), 97)
    assert gallery.verify("person-7", probe, masked=False).person_id == "person-7"
    refused = gallery.verify("person-8", probe, masked=False)
    assert refused.person_id is None and refused.score < 0.5
    assert gallery.verify("nobody", probe, masked=False) == refused.__class__(None, -1.0, 0.5, False)


def test_removed_person_is_no_longer_found(gallery):
    assert gallery.remove("person-7") and not gallery.remove("person-7")
    assert "person-7" not in gallery and len(gallery) == 49
    assert gallery.search(_near(_unit(7), 99), masked=False).person_id is None


def test_empty_gallery_and_malformed_embedding():
    empty = Gallery(0.5, 0.4)
    assert empty.search(_unit(1), masked=True).person_id is None
    with pytest.raises(ValueError, match=r"template 'photo' of 'x': embedding shape \(64,\) \(expected \(128,\)\)"):
        empty.add("x", [Template(np.zeros(64, np.float32), False, "photo")])


def test_person_enrolled_with_a_masked_photo_is_found_without_a_mask(gallery):
    gallery.add("masked-enrolee", [Template(_unit(2000), True, "photo")])
    assert gallery.search(_near(_unit(2000), 96), masked=False).person_id == "masked-enrolee"
