"""Attacks on signed trust updates: rollback by races, names or crashes, hostile paths and sequence numbers."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import cbor2
import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519

from kiosk.credentials import TrustStore, TrustStoreError, updates
from kiosk.credentials.cose import sign1
from kiosk.credentials.signers import ed25519_kid
from kiosk.credentials.updates import LOCK_FILE, apply_update, current_sequence, sign_update


def _revocations(*hashes: str) -> dict[str, bytes | None]:
    return {"revoked.json": json.dumps({"sha256": list(hashes)}).encode()}


def _leftovers(root: Path) -> list[str]:
    return sorted(p.name for p in (root / "generations").glob("*.staging")) if (root / "generations").is_dir() else []


def test_an_update_started_during_another_is_refused_so_the_older_one_can_never_be_switched_to_last(
    root: Path, update_key: ed25519.Ed25519PrivateKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both would pass the sequence check before either switched: 6 would land, then 5 over it."""
    newer = sign_update(_revocations("66" * 32), 6, update_key)
    nested: list[updates.UpdateOutcome] = []
    real_load = TrustStore.load

    class InterleavingTrustStore(TrustStore):
        @classmethod
        def load(cls, directory: str | Path) -> TrustStore:
            if not nested:  # while 5 is being checked, 6 arrives (from the CLI, the operator page, or MQTT)
                nested.append(apply_update(root, newer))
            return real_load(directory)

    monkeypatch.setattr(updates, "TrustStore", InterleavingTrustStore)
    assert apply_update(root, sign_update(_revocations("55" * 32), 5, update_key)).applied
    monkeypatch.undo()
    assert nested[0].reason == "busy" and current_sequence(root) == 5
    assert apply_update(root, newer).applied and current_sequence(root) == 6


def test_an_update_is_refused_while_another_process_holds_the_trust_root(root: Path, update_key: ed25519.Ed25519PrivateKey) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", "import fcntl,sys; f=open(sys.argv[1],'a'); fcntl.flock(f, fcntl.LOCK_EX); print('held', flush=True); sys.stdin.read()",
         str(root / LOCK_FILE)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        outcome = apply_update(root, sign_update(_revocations("11" * 32), 1, update_key))
        assert (outcome.applied, outcome.reason) == (False, "busy") and current_sequence(root) == 0
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=30)
    assert apply_update(root, sign_update(_revocations("11" * 32), 1, update_key)).applied


def test_generations_are_pruned_by_number_so_a_nine_digit_sequence_never_deletes_the_one_in_use(
    root: Path, update_key: ed25519.Ed25519PrivateKey
) -> None:
    """As text, 100000000 sorts before 80000000 and 90000000: pruning by name deleted the generation in use."""
    for sequence in (80_000_000, 90_000_000, 100_000_000):
        assert apply_update(root, sign_update(_revocations(f"{sequence:064x}"), sequence, update_key)).applied
    assert current_sequence(root) == 100_000_000
    assert TrustStore.load(root).revoked_sha256 == {f"{100_000_000:064x}"}
    replay = apply_update(root, sign_update(_revocations(), 90_000_001, update_key))
    assert (replay.applied, replay.reason) == (False, "not-newer")


def test_a_current_link_leading_nowhere_refuses_updates_and_never_falls_back_to_the_installed_files(
    root: Path, update_key: ed25519.Ed25519PrivateKey
) -> None:
    """Taken for sequence 0, any old signed update applied again; read as "no generations", the root's
    install-time signers (dropped by update 1) were trusted again."""
    old = sign_update({"dcc/first.pem": None}, 1, update_key)
    assert apply_update(root, old).applied
    assert apply_update(root, sign_update(_revocations(), 2, update_key)).applied
    for generation in (root / "generations").iterdir():
        for path in sorted(generation.rglob("*"), reverse=True):
            path.rmdir() if path.is_dir() else path.unlink()
        generation.rmdir()
    with pytest.raises(TrustStoreError):
        TrustStore.load(root)
    outcome = apply_update(root, old)
    assert (outcome.applied, outcome.reason) == (False, "no-current")
    assert current_sequence(root) is None, "reported as unknown, not as 0"


def test_a_generation_left_by_a_crash_before_the_switch_is_not_in_use_and_the_same_update_applies_again(
    root: Path, update_key: ed25519.Ed25519PrivateKey
) -> None:
    assert apply_update(root, sign_update(_revocations("11" * 32), 1, update_key)).applied
    (root / "generations" / "00000002" / "dcc").mkdir(parents=True)  # written, never switched to
    (root / "generations" / "00000007.staging").mkdir()
    assert TrustStore.load(root).revoked_sha256 == {"11" * 32} and current_sequence(root) == 1
    assert apply_update(root, sign_update(_revocations("22" * 32), 2, update_key)).applied
    assert TrustStore.load(root).revoked_sha256 == {"22" * 32} and len(TrustStore.load(root).dcc_signers) == 1
    assert _leftovers(root) == []


@pytest.mark.parametrize(
    "files",
    [
        {"dcc/folder.pem/inside": b"x"},  # a folder named like a certificate
        {"kiosk/a\x00b.pem": b"x"},  # a name no file system holds
        {"kiosk/a": b"x", "kiosk/a/b": b"y"},  # a file and a folder of the same name
    ],
    ids=["folder-named-pem", "nul-byte", "file-and-folder"],
)
def test_an_update_the_disk_cannot_hold_is_refused_whole_and_leaves_nothing_behind(
    root: Path, update_key: ed25519.Ed25519PrivateKey, files: dict[str, bytes | None]
) -> None:
    assert apply_update(root, sign_update(_revocations("11" * 32), 1, update_key)).applied
    outcome = apply_update(root, sign_update(files, 2, update_key))
    assert (outcome.applied, outcome.reason) == (False, "bad-content")
    assert current_sequence(root) == 1 and TrustStore.load(root).revoked_sha256 == {"11" * 32} and _leftovers(root) == []


def _signed_content(content: object, key: ed25519.Ed25519PrivateKey) -> bytes:
    return sign1(cbor2.dumps(content), key, ed25519_kid(key.public_key()))


@pytest.mark.parametrize("sequence", [2.0, True, 0, -1, 2**63, 10**400, "5", None], ids=repr)
def test_a_sequence_number_that_is_not_an_integer_from_1_to_2_63_minus_1_is_refused(
    root: Path, update_key: ed25519.Ed25519PrivateKey, sequence: object
) -> None:
    outcome = apply_update(root, _signed_content({"seq": sequence, "files": _revocations()}, update_key))
    assert (outcome.applied, outcome.reason) == (False, "bad-update")
    assert current_sequence(root) == 0 and not (root / "generations").exists()


def test_the_largest_sequence_number_is_applied(root: Path, update_key: ed25519.Ed25519PrivateKey) -> None:
    assert apply_update(root, sign_update(_revocations(), 2**63 - 1, update_key)).applied
    assert current_sequence(root) == 2**63 - 1


@pytest.mark.parametrize(
    "path",
    ["revoked-by-command.json", "current", "generations/00000009/dcc/x.pem", LOCK_FILE, "DCC/x.pem", "\u0501cc/x.pem", "dcc/../update-key.pem"],
)
def test_an_update_may_not_write_the_files_that_guard_the_trust_root(root: Path, update_key: ed25519.Ed25519PrivateKey, path: str) -> None:
    outcome = apply_update(root, sign_update({path: b"[]"}, 1, update_key))
    assert (outcome.applied, outcome.reason) == (False, "bad-path")
    assert not (root / "generations").exists()


def test_windows_separators_are_part_of_a_file_name_that_stays_in_its_folder(root: Path, update_key: ed25519.Ed25519PrivateKey) -> None:
    assert apply_update(root, sign_update({"kiosk\\..\\..\\escape.txt": b"x", "kiosk/..\\..\\escape.txt": b"x"}, 1, update_key)).reason == "bad-path"
    assert apply_update(root, sign_update({"kiosk/..\\..\\escape.txt": b"x"}, 1, update_key)).applied
    assert not list(root.parent.rglob("escape.txt"))
    assert [p.name for p in (root / "current" / "kiosk").iterdir()] == ["..\\..\\escape.txt"]


def test_a_second_update_with_the_same_number_but_other_content_is_refused(root: Path, update_key: ed25519.Ed25519PrivateKey) -> None:
    assert apply_update(root, sign_update(_revocations("11" * 32), 3, update_key)).applied
    outcome = apply_update(root, sign_update({"dcc/": None}, 3, update_key))
    assert (outcome.applied, outcome.reason) == (False, "not-newer")
    assert len(TrustStore.load(root).dcc_signers) == 1


def test_an_update_emptying_every_folder_leaves_a_gate_that_trusts_no_one(root: Path, update_key: ed25519.Ed25519PrivateKey) -> None:
    """Allowed: it fails closed (every credential is denied), and it is how a site withdraws all trust at once."""
    assert apply_update(root, sign_update({"dcc/": None, "shc/": None, "kiosk/": None}, 1, update_key)).applied
    store = TrustStore.load(root)
    assert (store.dcc_signers, store.shc_issuers, store.pass_keys) == ({}, {}, {})


def test_a_symlink_planted_in_the_generation_in_use_is_copied_not_written_through(
    root: Path, update_key: ed25519.Ed25519PrivateKey, tmp_path: Path
) -> None:
    assert apply_update(root, sign_update(_revocations(), 1, update_key)).applied
    outside = tmp_path / "outside"
    outside.mkdir()
    (root / "current" / "kiosk").symlink_to(outside, target_is_directory=True)
    assert apply_update(root, sign_update({"kiosk/notes.txt": b"x"}, 2, update_key)).applied
    assert list(outside.iterdir()) == [] and not (root / "current" / "kiosk").is_symlink()


@pytest.mark.parametrize("replacement", ["loop", "file"])
def test_a_current_link_that_loops_or_is_a_file_refuses_updates_and_loads_the_last_good_generation(
    root: Path, update_key: ed25519.Ed25519PrivateKey, replacement: str
) -> None:
    assert apply_update(root, sign_update(_revocations("11" * 32), 1, update_key)).applied
    (root / "current").unlink()
    if replacement == "loop":
        (root / "current").symlink_to("current")
    else:
        (root / "current").write_text("00000001")
    assert TrustStore.load(root).revoked_sha256 == {"11" * 32}, "the generation on disk, not the installed files"
    outcome = apply_update(root, sign_update(_revocations(), 2, update_key))
    assert (outcome.applied, outcome.reason) == (False, "no-current")
