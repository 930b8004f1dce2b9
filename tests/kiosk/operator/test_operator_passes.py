"""Passes on the operator page: issued with the site's issuer key, shown as a QR code, verified by the gate."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from kiosk.config.schema import KioskConfig
from kiosk.credentials.key_roles import with_role
from kiosk.credentials.trust import TrustStore
from kiosk.credentials.verifier import CredentialVerifier
from tests.kiosk.operator.client import Client
from tests.kiosk.operator.conftest import PASSWORD

Stored = Callable[[], tuple[list[str], list[tuple[str, dict[str, object]]]]]


@pytest.fixture
def operator_config(operator_config: KioskConfig, tmp_path: Path) -> KioskConfig:
    key = ed25519.Ed25519PrivateKey.generate()
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    (tmp_path / "issuer.key.pem").write_bytes(with_role(private, "issuer"))
    (tmp_path / "trust" / "kiosk").mkdir(parents=True)
    public = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    (tmp_path / "trust" / "kiosk" / "issuer.pub.pem").write_bytes(with_role(public, "issuer"))
    return replace(
        operator_config,
        credentials=replace(operator_config.credentials, trust_dir=tmp_path / "trust"),
        operator=replace(operator_config.operator, pass_issuer_key_file=tmp_path / "issuer.key.pem"),
    )


def test_an_issued_pass_opens_this_gate_and_only_its_id_is_audited(operator_config: KioskConfig, client: Client, stored: Stored) -> None:
    csrf = client.request("POST", "/api/v1/login", json_body={"name": "ops", "password": PASSWORD}).json()["csrf_token"]
    reply = client.request("POST", "/api/v1/passes", json_body={"subject": "holder-carol", "valid_days": 7, "this_gate_only": True}, headers={"X-CSRF-Token": csrf})
    assert reply.status == 200, reply.text
    issued = reply.json()
    verifier = CredentialVerifier(TrustStore.load(operator_config.credentials.trust_dir), operator_config.credentials, gate_id=operator_config.gate.gate_id)
    verification = verifier.verify(issued["pass"], datetime.now(timezone.utc))
    assert verification.valid, verification.message
    audited = [d for kind, d in stored()[1] if kind == "operator-change" and d["action"] == "pass-issue"]
    assert [d["pass_id"] for d in audited] == [issued["pass_id"]]
    assert issued["pass"] not in repr(stored()[1])


def test_the_passes_page_shows_the_qr_code_and_refuses_a_name(client: Client) -> None:
    client.log_in("ops", PASSWORD)
    token = client.get("/passes").form_token()
    shown = client.post("/passes/issue", {"csrf": token, "subject": "holder-carol", "valid_days": "30", "this_gate_only": "yes"})
    assert shown.status == 200 and "<svg" in shown.text and 'id="pass-text">KP1:' in shown.text
    named = client.post("/passes/issue", {"csrf": token, "subject": "Carol Smith", "valid_days": "30"})
    assert named.status == 400 and "never a name" in named.text
