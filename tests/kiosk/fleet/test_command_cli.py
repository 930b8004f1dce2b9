"""`kiosk command keygen` and `sign` make commands a gate with the public key accepts."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import pytest

from kiosk.cli import main
from kiosk.fleet.commands import load_operator_keys, verify_command


def test_a_signed_command_from_the_cli_verifies_with_the_operator_public_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    operators = tmp_path / "operators"
    operators.mkdir()
    assert main(["command", "keygen", str(operators / "facilities")]) == 0
    (operators / "facilities.key.pem").rename(tmp_path / "facilities.key.pem")  # the private half never goes to a gate
    out = tmp_path / "lock-down.cose"
    assert main(["command", "sign", "--key", str(tmp_path / "facilities.key.pem"), "--gate", "north-door", "--action", "lock-down", "--out", str(out)]) == 0
    verdict = verify_command(
        out.read_bytes(), topic_action="lock-down", gate_id="north-door", keys=load_operator_keys(operators), now=time.time(), max_age_s=120
    )
    assert (verdict.ok, verdict.reason) == (True, "verified")


def test_an_unknown_action_is_one_line_and_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["command", "keygen", str(tmp_path / "op")]) == 0
    code = main(["command", "sign", "--key", str(tmp_path / "op.key.pem"), "--gate", "g", "--action", "open-sesame", "--out", str(tmp_path / "x")])
    assert code != 0
    assert capsys.readouterr().err.strip().splitlines() == [
        "kiosk: --action 'open-sesame': expected one of unlock-once, lock-down, lift-lock-down, evacuate, end-evacuation, reload-trust, revoke"
    ]


def test_sign_carries_a_trust_update_and_only_the_hash_of_a_revoked_identifier(tmp_path: Path) -> None:
    import cbor2

    assert main(["command", "keygen", str(tmp_path / "op")]) == 0
    (tmp_path / "update.cose").write_bytes(b"signed update bytes")
    key = str(tmp_path / "op.key.pem")
    assert main(["command", "sign", "--key", key, "--gate", "g", "--action", "reload-trust", "--update", str(tmp_path / "update.cose"), "--out", str(tmp_path / "r.cose")]) == 0
    assert main(["command", "sign", "--key", key, "--gate", "g", "--action", "revoke", "--revoke-id", "URN:UVCI:01:XX:1", "--out", str(tmp_path / "v.cose")]) == 0
    reload_args = cbor2.loads(cbor2.loads((tmp_path / "r.cose").read_bytes()).value[2])["args"]
    revoke = (tmp_path / "v.cose").read_bytes()
    assert reload_args == {"update": b"signed update bytes"}
    assert cbor2.loads(cbor2.loads(revoke).value[2])["args"] == {"sha256": hashlib.sha256(b"URN:UVCI:01:XX:1").hexdigest()}
    assert b"URN:UVCI" not in revoke
    assert main(["command", "sign", "--key", key, "--gate", "g", "--action", "lock-down", "--update", str(tmp_path / "update.cose"), "--out", str(tmp_path / "x.cose")]) == 2
