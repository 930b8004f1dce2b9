"""The `kiosk credential` and `kiosk pass` commands, run as a user would."""

from __future__ import annotations

import base64
import json
import sqlite3
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import base45
import cbor2
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from kiosk.credentials.kiosk_pass import PassClaims, issue_pass, new_pass_id
from kiosk.credentials.updates import UPDATE_KEY_FILE, sign_update


def kiosk(*args: str, stdin: str | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kiosk", *args], input=stdin, capture_output=True, text=True, cwd=cwd, timeout=120)


@pytest.fixture(scope="module")
def case(dcc_dir: Path) -> dict:
    return json.loads((dcc_dir / "CH" / "2DCode" / "raw" / "1.json").read_text())


@pytest.fixture
def trust_dir(tmp_path: Path, case: dict) -> Path:
    (tmp_path / "trust" / "dcc").mkdir(parents=True)
    (tmp_path / "trust" / "dcc" / "ch.der").write_bytes(base64.b64decode(case["TESTCTX"]["CERTIFICATE"]))
    return tmp_path / "trust"


def test_verify_text_prints_json_verdict(case: dict, trust_dir: Path) -> None:
    result = kiosk("credential", "verify", "--text", case["PREFIX"], "--trust", str(trust_dir),
                   "--at", case["TESTCTX"]["VALIDATIONCLOCK"], "--json")
    assert result.returncode == 0, result.stderr
    verdict = json.loads(result.stdout)
    assert (verdict["valid"], verdict["stage"], verdict["format"]) == (True, "ok", "dcc")
    assert "nam" not in result.stdout and "dob" not in result.stdout


def test_verify_explains_a_refusal_and_exits_1(case: dict, trust_dir: Path) -> None:
    result = kiosk("credential", "verify", "--text", case["PREFIX"], "--trust", str(trust_dir), "--at", "2030-01-01T00:00:00Z")
    assert result.returncode == 1
    assert result.stdout.startswith("INVALID dcc: This certificate expired on ")
    assert "stage validity-period, reason expired" in result.stdout


def test_verify_without_trust_is_a_usage_error(case: dict) -> None:
    result = kiosk("credential", "verify", "--text", case["PREFIX"])
    assert result.returncode == 2 and "--trust DIR is required" in result.stderr


def test_batch_answers_every_line_in_order(case: dict) -> None:
    certificate = case["TESTCTX"]["CERTIFICATE"]
    at = case["TESTCTX"]["VALIDATIONCLOCK"]
    lines = [
        json.dumps({"id": "good", "text": case["PREFIX"], "at": at, "trust_certs": [certificate]}),
        "{not json",
        json.dumps({"id": "no-text", "at": at, "trust_certs": []}),
        json.dumps({"id": "bad-cert", "text": case["PREFIX"], "at": at, "trust_certs": ["bm90IGEgY2VydA=="]}),
        json.dumps({"id": "bad-time", "text": case["PREFIX"], "at": "yesterday", "trust_certs": [certificate]}),
        json.dumps({"id": "untrusted", "text": case["PREFIX"], "at": at, "trust_certs": []}),
        "",
        json.dumps({"id": "prefix", "text": "HC2:ABC", "at": at, "trust_certs": [certificate]}),
    ]
    result = kiosk("credential", "verify", "--batch", stdin="\n".join(lines) + "\n")
    assert result.returncode == 0, result.stderr
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(a["id"], a["valid"], a["stage"]) for a in answers] == [
        ("good", True, "ok"),
        (None, False, "request"),
        ("no-text", False, "request"),
        ("bad-cert", False, "request"),
        ("bad-time", False, "request"),
        ("untrusted", False, "signature"),
        (None, False, "request"),
        ("prefix", False, "prefix"),
    ]
    assert all(set(a) == {"id", "valid", "stage", "reason"} for a in answers)


def test_pass_keygen_issue_qr_and_verify_image(tmp_path: Path) -> None:
    assert kiosk("pass", "keygen", "site", "--role", "issuer", cwd=tmp_path).returncode == 0
    assert kiosk("pass", "keygen", "site", "--role", "issuer", cwd=tmp_path).returncode == 2  # never overwrites a key
    (tmp_path / "trust" / "kiosk").mkdir(parents=True)
    (tmp_path / "trust" / "kiosk" / "site.pem").write_bytes((tmp_path / "site.pub.pem").read_bytes())
    issued = kiosk("pass", "issue", "--key", "site.key.pem", "--subject", "holder-1", "--gate", "main-entrance", cwd=tmp_path)
    assert issued.returncode == 0, issued.stderr
    text = issued.stdout.strip()
    shown = json.loads(kiosk("pass", "show", text).stdout)
    assert (shown["subject"], shown["gates"], shown["rotating"]) == ("holder-1", ["main-entrance"], False)
    assert kiosk("pass", "qr", text, "--out", "pass.png", cwd=tmp_path).returncode == 0
    verified = kiosk("credential", "verify", "--image", "pass.png", "--trust", "trust", "--json", cwd=tmp_path)
    assert verified.returncode == 0, verified.stderr
    assert json.loads(verified.stdout)["holder_id"] == "holder-1"


def rotating_setup(tmp_path: Path, at: str) -> str:
    """Keys for a site and a phone, the site's key trusted, and a pass bound to the phone: returns the pass text."""
    kiosk("pass", "keygen", "site", "--role", "issuer", cwd=tmp_path)
    kiosk("pass", "keygen", "phone", "--role", "device", cwd=tmp_path)
    (tmp_path / "trust" / "kiosk").mkdir(parents=True)
    (tmp_path / "trust" / "kiosk" / "site.pem").write_bytes((tmp_path / "site.pub.pem").read_bytes())
    issued = kiosk("pass", "issue", "--key", "site.key.pem", "--subject", "h2", "--device-key", "phone.pub.pem", "--at", at,
                   cwd=tmp_path)
    assert issued.returncode == 0, issued.stderr
    assert "gates refuse the KP1: text itself" in issued.stderr
    return issued.stdout.strip()


def test_rotating_pass_code_from_the_command_line(tmp_path: Path) -> None:
    at = "2026-05-01T10:00:00Z"
    text = rotating_setup(tmp_path, at)
    code = kiosk("pass", "code", text, "--device-key", "phone.key.pem", "--at", at, cwd=tmp_path).stdout.strip()
    assert code.startswith("KD1:")
    fresh = kiosk("credential", "verify", "--text", code, "--trust", "trust", "--at", "2026-05-01T10:00:04Z", cwd=tmp_path)
    stale = kiosk("credential", "verify", "--text", code, "--trust", "trust", "--at", "2026-05-01T10:05:00Z", cwd=tmp_path)
    assert fresh.returncode == 0 and stale.returncode == 1 and "code-stale" in stale.stdout


def test_pass_lifted_from_a_photo_of_the_phone_screen_is_refused(tmp_path: Path) -> None:
    at = "2026-05-01T10:00:00Z"
    text = rotating_setup(tmp_path, at)
    code = kiosk("pass", "code", text, "--device-key", "phone.key.pem", "--at", at, cwd=tmp_path).stdout.strip()
    signed_pass = cbor2.loads(base45.b45decode(code[len("KD1:"):]))[0]
    lifted = "KP1:" + base45.b45encode(signed_pass).decode()
    for shown in (lifted, text):
        verdict = kiosk("credential", "verify", "--text", shown, "--trust", "trust", "--at", "2026-05-20T10:00:00Z", "--json",
                        cwd=tmp_path)
        assert verdict.returncode == 1, verdict.stdout
        assert (json.loads(verdict.stdout)["valid"], json.loads(verdict.stdout)["reason"]) == (False, "device-bound-pass-shown-static")


def test_keygen_tells_where_each_role_of_key_goes(tmp_path: Path) -> None:
    issuer = kiosk("pass", "keygen", "site", "--role", "issuer", cwd=tmp_path)
    device = kiosk("pass", "keygen", "phone", "--role", "device", cwd=tmp_path)
    assert "copy into the trust directory's kiosk/ folder" in issuer.stdout
    assert "never put it in the trust directory" in device.stdout and "--device-key phone.pub.pem" in device.stdout
    assert "copy into the trust" not in device.stdout
    assert kiosk("pass", "keygen", "other", cwd=tmp_path).returncode == 2  # the role is never guessed


def test_a_device_key_in_the_trust_directory_validates_nothing(tmp_path: Path) -> None:
    kiosk("pass", "keygen", "phone", "--role", "device", cwd=tmp_path)
    (tmp_path / "trust" / "kiosk").mkdir(parents=True)
    (tmp_path / "trust" / "kiosk" / "phone.pem").write_bytes((tmp_path / "phone.pub.pem").read_bytes())
    refused = kiosk("pass", "issue", "--key", "phone.key.pem", "--subject", "h3", cwd=tmp_path)
    assert refused.returncode == 2
    assert "phone.key.pem': a device key (expected an issuer key" in refused.stderr
    phone_key = serialization.load_pem_private_key((tmp_path / "phone.key.pem").read_bytes(), None)
    now = datetime.now(timezone.utc)
    claims = PassClaims("phone", "h3", new_pass_id(), now, now, now + timedelta(days=1))
    forged = issue_pass(claims, phone_key, "KP1:")
    verdict = kiosk("credential", "verify", "--text", forged, "--trust", "trust", cwd=tmp_path)
    assert verdict.returncode != 0 and "VALID" not in verdict.stdout.split()
    assert "phone.pem': a holder-device key" in verdict.stderr


def test_a_name_as_pass_subject_is_refused(tmp_path: Path) -> None:
    kiosk("pass", "keygen", "site", "--role", "issuer", cwd=tmp_path)
    named = kiosk("pass", "issue", "--key", "site.key.pem", "--subject", "Alice Smith", cwd=tmp_path)
    assert named.returncode == 2 and "--subject 'Alice Smith': expected a pseudonymous code" in named.stderr


def test_issuing_with_keys_in_swapped_roles_is_refused(tmp_path: Path) -> None:
    kiosk("pass", "keygen", "site", "--role", "issuer", cwd=tmp_path)
    swapped = kiosk("pass", "issue", "--key", "site.key.pem", "--subject", "h4", "--device-key", "site.pub.pem", cwd=tmp_path)
    assert swapped.returncode == 2 and "site.pub.pem': an issuer key (expected a device key" in swapped.stderr


def test_update_trust_applies_a_signed_update(tmp_path: Path) -> None:
    key = ed25519.Ed25519PrivateKey.generate()
    root = tmp_path / "trust"
    root.mkdir()
    (root / UPDATE_KEY_FILE).write_bytes(
        key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    (tmp_path / "u1.cose").write_bytes(sign_update({"revoked.json": b'{"sha256": []}'}, 1, key))
    config = tmp_path / "kiosk.toml"
    config.write_text(f'[credentials]\ntrust_dir = "{root}"\n[storage]\npath = "{tmp_path / "kiosk.db"}"\n'
                      f'device_key_file = "{tmp_path / "device.key"}"\naudit_syslog = ""\n')
    applied = kiosk("credential", "update-trust", str(tmp_path / "u1.cose"), "--config", str(config))
    again = kiosk("credential", "update-trust", str(tmp_path / "u1.cose"), "--config", str(config))
    assert (applied.returncode, again.returncode) == (0, 1)
    assert "not newer" in again.stdout
    with sqlite3.connect(tmp_path / "kiosk.db") as connection:
        rows = connection.execute("SELECT details FROM audit_log WHERE kind = 'trust-list-update' ORDER BY seq").fetchall()
    assert [(json.loads(d)["done"], json.loads(d)["reason"]) for (d,) in rows] == [(True, "applied"), (False, "not-newer")]
