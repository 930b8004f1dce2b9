"""Remote commands run only when signed by a trusted operator key, fresh and new; every one is audited."""

from __future__ import annotations

import json
from pathlib import Path

import cbor2
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from hardware.clock import ManualClock
from kiosk.errors import ConfigError
from kiosk.fleet.commands import load_operator_keys, sign_command
from kiosk.fleet.config import CommandsConfig
from kiosk.fleet.desk import AUDIT_KIND, MACHINE_ACTIONS, CommandDesk
from kiosk.storage import Storage, StorageConfig
from kiosk.storage.nonces import NonceStore

GATE = "north-door"


@pytest.fixture
def operator_key(tmp_path: Path) -> ed25519.Ed25519PrivateKey:
    key = ed25519.Ed25519PrivateKey.generate()
    folder = tmp_path / "operators"
    folder.mkdir()
    pem = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    (folder / "facilities.pem").write_bytes(pem)
    return key


def open_desk(tmp_path: Path, clock: ManualClock, **config: object) -> tuple[Storage, CommandDesk]:
    storage = Storage.open(StorageConfig(path=tmp_path / "kiosk.db", device_key_file=tmp_path / "device.key", audit_syslog=""), clock)
    keys = load_operator_keys(tmp_path / "operators")
    return storage, CommandDesk(GATE, CommandsConfig(**config), keys, NonceStore(storage.db), storage.audit, MACHINE_ACTIONS)


def audited(storage: Storage) -> list[tuple[bool, str]]:
    return [(d["run"], d["reason"]) for d in (json.loads(r.details) for r in storage.audit.records() if r.kind == AUDIT_KIND)]


def test_a_fresh_command_signed_by_an_operator_runs_once_and_its_replay_is_refused_after_a_restart(
    tmp_path: Path, operator_key: ed25519.Ed25519PrivateKey
) -> None:
    clock = ManualClock()
    command = sign_command(GATE, "lock-down", operator_key, issued_at=clock.wall())
    storage, desk = open_desk(tmp_path, clock)
    with storage:
        verdict = desk.receive("lock-down", command, clock.wall(), clock_fault=None)
        assert (verdict.ok, verdict.reason) == (True, "verified")
        assert verdict.command is not None and verdict.command.action == "lock-down"
    clock.advance(5)
    storage, desk = open_desk(tmp_path, clock)
    with storage:
        assert desk.receive("lock-down", command, clock.wall(), clock_fault=None).reason == "replayed"
        assert audited(storage) == [(True, "verified"), (False, "replayed")]


def test_unsigned_wrongly_signed_stale_and_misaddressed_commands_are_refused_and_audited(
    tmp_path: Path, operator_key: ed25519.Ed25519PrivateKey
) -> None:
    clock = ManualClock()
    stranger = ed25519.Ed25519PrivateKey.generate()  # a pass issuer, say: not an operator key
    good = sign_command(GATE, "unlock-once", operator_key, issued_at=clock.wall())
    tampered = bytearray(good)
    tampered[-1] ^= 0x01
    storage, desk = open_desk(tmp_path, clock)
    with storage:
        outcomes = [
            desk.receive("unlock-once", cbor2.dumps({"gate": GATE, "action": "unlock-once"}), clock.wall(), clock_fault=None).reason,
            desk.receive("unlock-once", sign_command(GATE, "unlock-once", stranger, issued_at=clock.wall()), clock.wall(), clock_fault=None).reason,
            desk.receive("unlock-once", bytes(tampered), clock.wall(), clock_fault=None).reason,
            desk.receive("unlock-once", sign_command(GATE, "unlock-once", operator_key, issued_at=clock.wall() - 121), clock.wall(), clock_fault=None).reason,
            desk.receive("unlock-once", sign_command("south-door", "unlock-once", operator_key, issued_at=clock.wall()), clock.wall(), clock_fault=None).reason,
            desk.receive("lock-down", good, clock.wall(), clock_fault=None).reason,
            desk.receive("evacuate", sign_command(GATE, "evacuate", operator_key, issued_at=clock.wall()), clock.wall(), clock_fault=None).reason,
        ]
        outcomes.append(desk.receive("revoke", sign_command(GATE, "revoke", operator_key, issued_at=clock.wall()), clock.wall(), clock_fault=None).reason)
        assert outcomes == [
            "unsigned", "unknown-signer", "bad-signature", "stale", "wrong-gate", "wrong-topic", "evacuation-not-enabled", "not-supported"
        ]
        assert audited(storage) == [(False, reason) for reason in outcomes]
        assert storage.audit.verify().ok


def test_evacuation_runs_only_where_the_config_enables_it(tmp_path: Path, operator_key: ed25519.Ed25519PrivateKey) -> None:
    clock = ManualClock()
    storage, desk = open_desk(tmp_path, clock, evacuation_enabled=True)
    with storage:
        assert desk.receive("evacuate", sign_command(GATE, "evacuate", operator_key, issued_at=clock.wall()), clock.wall(), clock_fault=None).ok


def test_an_operator_key_folder_with_a_non_ed25519_key_is_named(tmp_path: Path) -> None:
    from cryptography.hazmat.primitives.asymmetric import ec

    folder = tmp_path / "operators"
    folder.mkdir()
    pem = ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    (folder / "old.pem").write_bytes(pem)
    with pytest.raises(ConfigError, match="old.pem'.*not an Ed25519 public key"):
        load_operator_keys(folder)


def test_operator_keys_and_pass_keys_are_refused_in_each_others_folders(tmp_path: Path) -> None:
    from kiosk.credentials.key_roles import OPERATOR, with_role
    from kiosk.credentials.trust import TrustStore, TrustStoreError

    public = ed25519.Ed25519PrivateKey.generate().public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    (tmp_path / "trust" / "kiosk").mkdir(parents=True)
    (tmp_path / "trust" / "kiosk" / "facilities.pem").write_bytes(with_role(public, OPERATOR))
    with pytest.raises(TrustStoreError, match="key role 'operator'"):
        TrustStore.load(tmp_path / "trust")
    (tmp_path / "operators").mkdir()
    (tmp_path / "operators" / "issuer.pem").write_bytes(with_role(public, "issuer"))
    with pytest.raises(ConfigError, match="marked kiosk-key-role: issuer"):
        load_operator_keys(tmp_path / "operators")


def test_an_old_unlock_replayed_while_the_clock_is_back_at_its_time_is_refused_but_lock_down_runs(
    tmp_path: Path, operator_key: ed25519.Ed25519PrivateKey
) -> None:
    """A Pi without RTC boots with the clock it had when switched off: months later, a command recorded then
    looks fresh and its nonce is long forgotten. Only what takes access away runs until the clock is trusted."""
    clock = ManualClock()
    recorded_at = clock.wall()
    recorded = sign_command(GATE, "unlock-once", operator_key, issued_at=recorded_at)
    storage, desk = open_desk(tmp_path, clock)
    with storage:
        assert desk.receive("unlock-once", recorded, recorded_at, clock_fault=None).ok
        clock.advance(90 * 86400)
        assert desk.forget_old_nonces(clock.wall()) == 1
        rebooted = recorded_at + 10  # the clock saved at shutdown, before NTP answers
        fault = "the clock is unsynchronised (timedatectl: NTPSynchronized=no)"
        assert desk.receive("unlock-once", recorded, rebooted, clock_fault=fault).reason == "clock-untrusted"
        assert desk.receive("unlock-once", recorded, rebooted, clock_fault=None).reason == "verified", "what the clock check prevents"
        lock_down = sign_command(GATE, "lock-down", operator_key, issued_at=rebooted)
        assert desk.receive("lock-down", lock_down, rebooted, clock_fault=fault).reason == "verified"
        assert audited(storage)[1:] == [(False, "clock-untrusted"), (True, "verified"), (True, "verified")]


@pytest.mark.parametrize(
    "raw",
    [
        b"\x81" * 200_000 + b"\x00",  # nested deeper than the interpreter's stack
        b"\x5b" + (2**62).to_bytes(8, "big"),  # a byte string said to be 4 EiB long
        b"\xbb" + (2**40).to_bytes(8, "big"),  # a map said to hold 2**40 pairs
        b"\x9f" * 100_000,  # indefinite arrays never closed
        b"\xc5\x82\x1a" + (10**9).to_bytes(4, "big") + b"\x01",  # a bigfloat of 2**(10**9)
        b"\xc1\x1b" + (2**63).to_bytes(8, "big"),  # a date past any calendar
        b"\xd8\x1c\x81\xd8\x1d\x00",  # a value that refers to itself
    ],
    ids=["deep", "huge-bytes", "huge-map", "unclosed", "bigfloat", "far-date", "self-reference"],
)
def test_hostile_cbor_on_a_command_topic_is_refused_quickly_and_audited(tmp_path: Path, operator_key: ed25519.Ed25519PrivateKey, raw: bytes) -> None:
    clock = ManualClock()
    storage, desk = open_desk(tmp_path, clock)
    with storage:
        assert desk.receive("unlock-once", raw, clock.wall(), clock_fault=None).reason == "unsigned"
        assert audited(storage) == [(False, "unsigned")]
