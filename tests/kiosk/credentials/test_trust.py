"""The trust directory layout, and signed updates that are applied only when good."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from kiosk.credentials import TrustStore, TrustStoreError
from kiosk.credentials.updates import apply_update, current_sequence, sign_update

from .conftest import make_signer, pem_of


def test_directory_layout_loads_every_part(root: Path) -> None:
    issuer = ed25519.Ed25519PrivateKey.generate().public_key()
    (root / "kiosk").mkdir()
    (root / "kiosk" / "site.pem").write_bytes(issuer.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    (root / "revoked.json").write_text(json.dumps({"sha256": ["ab" * 32]}))
    store = TrustStore.load(root)
    assert (len(store.dcc_signers), len(store.pass_keys), len(store.revoked_sha256)) == (1, 1, 1)


@pytest.mark.parametrize(
    ("path", "content", "expected"),
    [("dcc/bad.pem", b"not a certificate", "expected -----BEGIN CERTIFICATE-----"),
     ("revoked.json", b'{"sha256": ["short"]}', "64-hex-digit"),
     ("kiosk/key.pem", b"junk", "expected a PEM Ed25519 public key")],
)
def test_bad_trust_file_is_named_with_what_was_expected(root: Path, path: str, content: bytes, expected: str) -> None:
    (root / path).parent.mkdir(exist_ok=True)
    (root / path).write_bytes(content)
    with pytest.raises(TrustStoreError, match=expected) as error:
        TrustStore.load(root)
    assert path.split("/")[-1] in str(error.value) or path.split("/")[0] in str(error.value)


def test_missing_trust_directory_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(TrustStoreError, match="does not exist"):
        TrustStore.load(tmp_path / "nowhere")


def test_signed_update_overlays_the_current_store(root: Path, update_key) -> None:
    second = make_signer()
    outcome = apply_update(root, sign_update({"dcc/second.pem": pem_of(second.der)}, 1, update_key))
    assert (outcome.applied, outcome.sequence) == (True, 1)
    store = TrustStore.load(root)
    assert second.kid in store.dcc_signers and len(store.dcc_signers) == 2
    assert current_sequence(root) == 1


def test_revocation_only_update_and_file_removal(root: Path, update_key) -> None:
    assert apply_update(root, sign_update({"revoked.json": json.dumps({"sha256": ["cd" * 32]}).encode()}, 1, update_key)).applied
    assert apply_update(root, sign_update({"dcc/first.pem": None}, 2, update_key)).applied
    store = TrustStore.load(root)
    assert (len(store.dcc_signers), store.revoked_sha256) == (0, frozenset({"cd" * 32}))


def test_update_signed_by_another_key_is_refused_and_changes_nothing(root: Path) -> None:
    outcome = apply_update(root, sign_update({"dcc/first.pem": None}, 1, ed25519.Ed25519PrivateKey.generate()))
    assert (outcome.applied, outcome.reason) == (False, "unknown-signer")
    assert len(TrustStore.load(root).dcc_signers) == 1 and current_sequence(root) == 0


def test_tampered_update_is_refused(root: Path, update_key) -> None:
    update = bytearray(sign_update({"revoked.json": b'{"sha256": []}'}, 1, update_key))
    update[-70] ^= 0x01
    assert apply_update(root, bytes(update)).applied is False


def test_rollback_to_an_older_update_is_refused(root: Path, update_key) -> None:
    assert apply_update(root, sign_update({"revoked.json": b'{"sha256": []}'}, 5, update_key)).applied
    outcome = apply_update(root, sign_update({"dcc/first.pem": None}, 4, update_key))
    assert (outcome.applied, outcome.reason) == (False, "not-newer")


@pytest.mark.parametrize("path", ["../escape.pem", "/etc/passwd", "update-key.pem", "dcc", "revoked.json/x"])
def test_update_writing_outside_the_layout_is_refused(root: Path, update_key, path: str) -> None:
    outcome = apply_update(root, sign_update({path: b"x"}, 1, update_key))
    assert (outcome.applied, outcome.reason) == (False, "bad-path")
    assert not (root.parent / "escape.pem").exists()


def test_update_with_bad_content_keeps_the_last_good_store(root: Path, update_key) -> None:
    assert apply_update(root, sign_update({"revoked.json": b'{"sha256": []}'}, 1, update_key)).applied
    outcome = apply_update(root, sign_update({"dcc/broken.pem": b"garbage"}, 2, update_key))
    assert (outcome.applied, outcome.reason) == (False, "bad-content")
    assert current_sequence(root) == 1 and len(TrustStore.load(root).dcc_signers) == 1


def test_generation_gone_bad_on_disk_falls_back_to_the_previous_one(root: Path, update_key) -> None:
    assert apply_update(root, sign_update({"revoked.json": b'{"sha256": []}'}, 1, update_key)).applied
    assert apply_update(root, sign_update({"revoked.json": json.dumps({"sha256": ["ef" * 32]}).encode()}, 2, update_key)).applied
    (root / "current" / "revoked.json").write_text("{corrupted")
    assert TrustStore.load(root).revoked_sha256 == frozenset()


def test_an_update_can_replace_a_folder_whole_but_never_write_a_folder_name_or_leave_the_layout(root: Path, update_key) -> None:
    replacement = make_signer()
    outcome = apply_update(root, sign_update({"dcc/": None, "dcc/new.pem": pem_of(replacement.der)}, 1, update_key))
    assert outcome.applied and set(TrustStore.load(root).dcc_signers) == {replacement.kid}
    for files in ({"dcc/": b"data"}, {"../": None}, {"dcc/../": None}, {"update-key.pem/": None}):
        assert apply_update(root, sign_update(files, 2, update_key)).reason == "bad-path", files
