"""`kiosk credential trust sign-update` makes the update `kiosk credential update-trust` applies: the whole chain by CLI."""

from __future__ import annotations

import fcntl
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from hardware.clock import ManualClock
from kiosk.cli import main
from kiosk.credentials.updates import LOCK_FILE, UPDATE_KEY_FILE, current_sequence
from kiosk.storage import Storage, StorageConfig


@pytest.fixture
def site(tmp_path: Path) -> Path:
    key = ed25519.Ed25519PrivateKey.generate()
    (tmp_path / "update.key.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    root = tmp_path / "trust"
    root.mkdir()
    (root / UPDATE_KEY_FILE).write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    return tmp_path


def test_a_revocation_signed_by_the_cli_is_applied_by_the_gate(site: Path) -> None:
    revoked = site / "revoked.json"
    revoked.write_text(json.dumps({"sha256": ["ab" * 32]}))
    out = site / "u1.cose"
    assert main(["credential", "trust", "sign-update", "--key", str(site / "update.key.pem"), "--seq", "1",
                 "--file", f"revoked.json={revoked}", "--out", str(out)]) == 0
    config = site / "kiosk.toml"
    config.write_text(f'[credentials]\ntrust_dir = "{site / "trust"}"\n[storage]\npath = "{site / "kiosk.db"}"\n'
                      f'device_key_file = "{site / "device.key"}"\naudit_syslog = ""\n')
    assert main(["credential", "update-trust", str(out), "--config", str(config)]) == 0
    assert current_sequence(site / "trust") == 1
    assert json.loads((site / "trust" / "current" / "revoked.json").read_text()) == {"sha256": ["ab" * 32]}


def test_a_path_outside_the_trust_layout_is_refused_before_signing(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (site / "x").write_text("x")
    code = main(["credential", "trust", "sign-update", "--key", str(site / "update.key.pem"), "--seq", "1",
                 "--file", f"../etc/passwd={site / 'x'}", "--out", str(site / "u.cose")])
    assert code == 2
    assert "'../etc/passwd': outside the trust layout" in capsys.readouterr().err
    assert not (site / "u.cose").exists()


@pytest.mark.parametrize("sequence", ["0", "-1", str(2**63)])
def test_a_sequence_number_the_gates_would_refuse_is_refused_before_signing(site: Path, sequence: str, capsys: pytest.CaptureFixture[str]) -> None:
    (site / "x").write_text('{"sha256": []}')
    code = main(["credential", "trust", "sign-update", "--key", str(site / "update.key.pem"), "--seq", sequence,
                 "--file", f"revoked.json={site / 'x'}", "--out", str(site / "u.cose")])
    assert code == 2
    assert f"--seq {sequence}: expected a sequence number from 1 to {2**63 - 1}" in capsys.readouterr().err
    assert not (site / "u.cose").exists()


def test_update_trust_is_refused_and_audited_while_another_update_holds_the_trust_root(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (site / "r.json").write_text('{"sha256": []}')
    out = site / "u1.cose"
    assert main(["credential", "trust", "sign-update", "--key", str(site / "update.key.pem"), "--seq", "1",
                 "--file", f"revoked.json={site / 'r.json'}", "--out", str(out)]) == 0
    config = site / "kiosk.toml"
    config.write_text(f'[credentials]\ntrust_dir = "{site / "trust"}"\n[storage]\npath = "{site / "kiosk.db"}"\n'
                      f'device_key_file = "{site / "device.key"}"\naudit_syslog = ""\n')
    with (site / "trust" / LOCK_FILE).open("a") as held:  # the operator page, say, applying another one
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)
        assert main(["credential", "update-trust", str(out), "--config", str(config)]) == 1
    assert "another update is being applied" in capsys.readouterr().out and current_sequence(site / "trust") == 0
    with Storage.open(StorageConfig(path=site / "kiosk.db", device_key_file=site / "device.key", audit_syslog=""), ManualClock()) as storage:
        assert [json.loads(r.details)["reason"] for r in storage.audit.records() if r.kind == "trust-list-update"] == ["busy"]
    assert main(["credential", "update-trust", str(out), "--config", str(config)]) == 0 and current_sequence(site / "trust") == 1


def _sign_folder(site: Path, folder: Path) -> int:
    return main(["credential", "trust", "sign-update", "--key", str(site / "update.key.pem"), "--seq", "1",
                 "--replace-dir", f"dcc={folder}", "--out", str(site / "u.cose")])


def test_a_symbolic_link_in_a_folder_to_sign_is_refused_so_what_it_points_at_is_never_sent(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A link to the update key in the staging folder shipped the site's private key, signed, to every gate."""
    (site / "staging" / "nested").mkdir(parents=True)
    (site / "staging" / "AT-0011.der").write_bytes(b"certificate")
    (site / "staging" / "key.der").symlink_to(site / "update.key.pem")
    assert _sign_folder(site, site / "staging") == 2
    assert "key.der' is a symbolic link" in capsys.readouterr().err and not (site / "u.cose").exists()
    (site / "staging" / "key.der").unlink()
    (site / "elsewhere").mkdir()
    (site / "elsewhere" / "x.der").write_bytes(b"certificate")
    (site / "staging" / "linked").symlink_to(site / "elsewhere", target_is_directory=True)
    assert _sign_folder(site, site / "staging") == 2 and not (site / "u.cose").exists()
    (site / "staging" / "linked").unlink()
    assert _sign_folder(site, site / "staging") == 0


def test_a_private_key_is_never_signed_into_an_update(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (site / "staging").mkdir()
    (site / "staging" / "copied.pem").write_bytes((site / "update.key.pem").read_bytes())
    assert _sign_folder(site, site / "staging") == 2
    assert main(["credential", "trust", "sign-update", "--key", str(site / "update.key.pem"), "--seq", "1",
                 "--file", f"kiosk/issuer.pem={site / 'update.key.pem'}", "--out", str(site / "u.cose")]) == 2
    assert capsys.readouterr().err.count("holds a private key") == 2 and not (site / "u.cose").exists()
