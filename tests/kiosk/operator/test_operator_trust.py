"""Trust on the operator page: what is in force, and applying a signed update (verified, audited)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from kiosk.config.schema import KioskConfig
from kiosk.credentials.updates import UPDATE_KEY_FILE, sign_update
from tests.kiosk.operator.client import Client
from tests.kiosk.operator.conftest import PASSWORD

Stored = Callable[[], tuple[list[str], list[tuple[str, dict[str, object]]]]]


@pytest.fixture
def update_key(operator_config: KioskConfig) -> ed25519.Ed25519PrivateKey:
    key = ed25519.Ed25519PrivateKey.generate()
    root = operator_config.credentials.trust_dir
    (root / "kiosk").mkdir(parents=True)
    public = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    (root / UPDATE_KEY_FILE).write_bytes(public)
    return key


@pytest.fixture
def operator_config(operator_config: KioskConfig, tmp_path: Path) -> KioskConfig:
    return replace(operator_config, credentials=replace(operator_config.credentials, trust_dir=tmp_path / "trust"))


def test_a_signed_update_is_applied_once_and_audited_a_forged_one_refused(client: Client, update_key: ed25519.Ed25519PrivateKey, stored: Stored) -> None:
    login = client.request("POST", "/api/v1/login", json_body={"name": "ops", "password": PASSWORD}).json()
    assert client.get("/api/v1/trust").json()["update_sequence"] == 0
    update = sign_update({"revoked.json": json.dumps({"sha256": ["ab" * 32]}).encode()}, 1, update_key)
    headers = {"X-CSRF-Token": login["csrf_token"], "Content-Type": "application/octet-stream"}
    applied = client.request("POST", "/api/v1/trust/update", headers=headers, body=update)
    assert applied.status == 200 and applied.json()["applied"]
    trust = client.get("/api/v1/trust").json()
    assert (trust["update_sequence"], trust["revoked_certificates"]) == (1, 1)
    forged = sign_update({"revoked.json": b'{"sha256": []}'}, 2, ed25519.Ed25519PrivateKey.generate())
    refused = client.request("POST", "/api/v1/trust/update", headers=headers, body=forged)
    assert refused.status == 400 and not refused.json()["applied"]
    assert client.get("/api/v1/trust").json()["update_sequence"] == 1
    audited = [(d["applied"], d["operator"]) for kind, d in stored()[1] if kind == "trust-list-update"]
    assert audited == [(True, "ops"), (False, "ops")]


def test_the_trust_page_uploads_an_update_with_its_csrf_token(client: Client, update_key: ed25519.Ed25519PrivateKey) -> None:
    client.log_in("ops", PASSWORD)
    token = client.get("/trust").form_token()
    update = sign_update({"revoked.json": b'{"sha256": []}'}, 1, update_key)
    boundary = "kioskboundary"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrf"\r\n\r\n{token}\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="update"; filename="u1.cose"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode() + update + f"\r\n--{boundary}--\r\n".encode()
    reply = client.request("POST", "/trust/update", headers={"Content-Type": f"multipart/form-data; boundary={boundary}"}, body=body)
    assert reply.status == 303
    assert 'id="sequence">1<' in client.get("/trust").text
