"""The running gate's trust changes (reload-trust, revoke): applied only when good, never rolled back, always audited.

Real trust roots, real signed updates and passes, a real audit log; the verifier is the one the gate uses.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from hardware.clock import ManualClock
from kiosk.credentials import CredentialsConfig, CredentialVerifier, TrustStore
from kiosk.credentials.kiosk_pass import PassClaims, issue_pass
from kiosk.credentials.updates import UPDATE_KEY_FILE, current_sequence, sign_update
from kiosk.fleet.commands import Command
from kiosk.service.trust_keeper import TrustKeeper
from kiosk.storage import Storage, StorageConfig

AT = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)
PASS_ID = bytes(range(16))
REVOKED = hashlib.sha256(PASS_ID.hex().encode()).hexdigest()


def pem(key: ed25519.Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


class Site:
    """A trust root with the site's update key installed, an issuer whose pass the gate checks, and the audit log."""

    def __init__(self, tmp_path: Path) -> None:
        self.root = tmp_path / "trust"
        self.update_key = ed25519.Ed25519PrivateKey.generate()
        self.issuer = ed25519.Ed25519PrivateKey.generate()
        (self.root / "kiosk").mkdir(parents=True)
        (self.root / UPDATE_KEY_FILE).write_bytes(pem(self.update_key))
        self.storage = Storage.open(StorageConfig(path=tmp_path / "kiosk.db", device_key_file=tmp_path / "device.key", audit_syslog=""), ManualClock())
        self.config = CredentialsConfig()
        claims = PassClaims("site", "holder-1", PASS_ID, AT - timedelta(days=1), AT - timedelta(days=1), AT + timedelta(days=30))
        self.pass_text = issue_pass(claims, self.issuer, self.config.pass_prefix)

    def gate(self) -> tuple[TrustKeeper, CredentialVerifier]:
        """What a (re)started gate holds: the verifier on the store as loaded, and the keeper that can change it."""
        verifier = CredentialVerifier(TrustStore.load(self.root), self.config)
        return TrustKeeper(self.root, self.storage.audit, [verifier]), verifier

    def update(self, sequence: int, files: dict[str, bytes | None], key: ed25519.Ed25519PrivateKey | None = None) -> bytes:
        return sign_update(files, sequence, key or self.update_key)

    def audited(self) -> list[dict[str, object]]:
        return [json.loads(r.details) for r in self.storage.audit.records() if r.kind == "trust-list-update"]


@pytest.fixture
def site(tmp_path: Path):
    site = Site(tmp_path)
    yield site
    site.storage.close()


def command(action: str, **args: object) -> Command:
    return Command("north-door", action, 0.0, "00" * 16, dict(args), signer="ab" * 8)


def test_a_signed_update_over_reload_trust_is_in_use_at_once_and_no_replay_or_rollback_or_forgery_changes_it(site: Site) -> None:
    keeper, verifier = site.gate()
    assert not verifier.verify(site.pass_text, AT).valid, "no issuer key yet"
    issuer_file = {"kiosk/site.pem": pem(site.issuer)}
    first = keeper.run(command("reload-trust", update=site.update(2, issuer_file)))
    assert (first.done, first.reason) == (True, "applied") and verifier.verify(site.pass_text, AT).valid
    withdraw = {"kiosk/site.pem": None}
    refused = [
        keeper.run(command("reload-trust", update=site.update(2, issuer_file))).reason,  # the same update again
        keeper.run(command("reload-trust", update=site.update(1, withdraw))).reason,  # an older one: a rollback
        keeper.run(command("reload-trust", update=site.update(9, withdraw, key=ed25519.Ed25519PrivateKey.generate()))).reason,
        keeper.run(command("reload-trust", update=b"\xa1" * 5000)).reason,
        keeper.run(command("reload-trust", update="not bytes")).reason,
        keeper.run(command("revoke", sha256="not a hash")).reason,
    ]
    assert refused == ["not-newer", "not-newer", "unknown-signer", "bad-cbor", "bad-arguments", "bad-revocation"]
    assert current_sequence(site.root) == 2 and verifier.verify(site.pass_text, AT).valid, "the last good store stays in use"
    assert [(r["action"], r["done"], r["reason"]) for r in site.audited()] == [
        ("update", True, "applied"), ("update", False, "not-newer"), ("update", False, "not-newer"), ("update", False, "unknown-signer"),
        ("update", False, "bad-cbor"), ("reload-trust", False, "bad-arguments"), ("revoke", False, "bad-revocation"),
    ]
    assert all(r["by"] == f"operator key {'ab' * 8}" for r in site.audited())


def test_a_revocation_is_in_use_at_once_survives_a_restart_and_no_later_update_undoes_it(site: Site) -> None:
    (site.root / "kiosk" / "site.pem").write_bytes(pem(site.issuer))
    keeper, verifier = site.gate()
    assert verifier.verify(site.pass_text, AT).valid
    change = keeper.run(command("revoke", sha256=REVOKED))
    assert (change.done, change.reason) == (True, "revoked")
    assert verifier.verify(site.pass_text, AT).reason == "revoked"
    _, restarted = site.gate()
    assert restarted.verify(site.pass_text, AT).reason == "revoked", "kept across a restart"
    keeper, verifier = site.gate()
    emptied = keeper.apply_update(site.update(5, {"revoked.json": b'{"sha256": []}'}), by="site")
    assert emptied.done and verifier.verify(site.pass_text, AT).reason == "revoked", "a signed update cannot lift a command's revocation"
    assert keeper.run(command("revoke", sha256=REVOKED)).reason == "already-revoked"


def test_a_trust_root_broken_on_disk_is_refused_on_reload_and_the_last_good_store_kept(site: Site) -> None:
    (site.root / "kiosk" / "site.pem").write_bytes(pem(site.issuer))
    keeper, verifier = site.gate()
    (site.root / "revoked.json").write_text("{ not json")
    change = keeper.reload(by="operator page")
    assert (change.done, change.reason) == (False, "unreadable") and "last good one stays in use" in change.message
    assert verifier.verify(site.pass_text, AT).valid
    (site.root / "revoked.json").unlink()
    shutil.rmtree(site.root / "kiosk")
    assert keeper.reload(by="operator page").done and not verifier.verify(site.pass_text, AT).valid, "a good reload is used at once"


@pytest.mark.parametrize("damage", ["folder", "not-json"])
def test_a_revocation_that_cannot_be_written_is_still_in_use_through_reloads_and_updates(site: Site, damage: str) -> None:
    """Refused as "bad-revocation" or "not-written", the revoked pass kept opening the door."""
    (site.root / "kiosk" / "site.pem").write_bytes(pem(site.issuer))
    keeper, verifier = site.gate()
    if damage == "folder":
        (site.root / "revoked-by-command.json").mkdir()  # rename over it fails, as on a full or read-only disk
    else:
        (site.root / "revoked-by-command.json").write_text("{ damaged")
    change = keeper.run(command("revoke", sha256=REVOKED))
    assert (change.done, change.reason) == (False, "not-written") and "lost at a restart" in change.message
    assert verifier.verify(site.pass_text, AT).reason == "revoked"
    if damage == "folder":
        assert keeper.reload(by="operator page").done
    update = keeper.apply_update(site.update(3, {"revoked.json": b'{"sha256": []}'}), by="site")
    if damage == "not-json":  # the generation is written; the root does not load, and the change says both
        assert (update.done, update.reason, update.sequence) == (False, "unreadable", 3) and "written on disk, but" in update.message
    assert verifier.verify(site.pass_text, AT).reason == "revoked"
    assert [(r["action"], r["reason"]) for r in site.audited()][0] == ("revoke", "not-written")


@pytest.mark.parametrize("sha256", [REVOKED.upper(), REVOKED[:63], REVOKED + "0", REVOKED[:63] + "g", REVOKED + "\n", "\u0661" * 64, ""])
def test_a_revocation_that_is_not_64_lower_case_hex_digits_is_refused_and_nothing_is_written(site: Site, sha256: str) -> None:
    keeper, _ = site.gate()
    assert keeper.run(command("revoke", sha256=sha256)).reason == "bad-revocation"
    assert not (site.root / "revoked-by-command.json").exists()
    assert site.audited()[0]["revoked"] is None


def test_a_revoke_with_other_arguments_is_refused(site: Site) -> None:
    keeper, _ = site.gate()
    for args in ({"sha256": 5}, {"sha256": REVOKED, "also": "x"}, {"sha256": REVOKED.encode()}, {}):
        assert keeper.run(command("revoke", **args)).reason == "bad-arguments", args
    assert not (site.root / "revoked-by-command.json").exists()
