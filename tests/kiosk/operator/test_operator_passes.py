"""Passes on the operator page: issued with the site's issuer key, shown as a QR code, verified by the gate."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from hardware.clock import ManualClock
from kiosk.config.schema import KioskConfig
from kiosk.credentials.key_roles import with_role
from kiosk.credentials.kiosk_pass import dynamic_code
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


def test_an_issued_pass_opens_this_gate_and_only_its_id_is_audited(
    operator_config: KioskConfig, client: Client, stored: Stored, operator_clock: ManualClock
) -> None:
    csrf = client.request("POST", "/api/v1/login", json_body={"name": "ops", "password": PASSWORD}).json()["csrf_token"]
    reply = client.request("POST", "/api/v1/passes", json_body={"subject": "holder-carol", "valid_days": 7, "this_gate_only": True}, headers={"X-CSRF-Token": csrf})
    assert reply.status == 200, reply.text
    issued = reply.json()
    verifier = CredentialVerifier(TrustStore.load(operator_config.credentials.trust_dir), operator_config.credentials, gate_id=operator_config.gate.gate_id)
    verification = verifier.verify(issued["pass"], datetime.fromtimestamp(operator_clock.wall(), tz=timezone.utc))
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


def device_key_pair(role: str) -> tuple[ed25519.Ed25519PrivateKey, bytes]:
    key = ed25519.Ed25519PrivateKey.generate()
    public = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return key, with_role(public, role)


def multipart(fields: dict[str, str], key_name: str, key_pem: bytes) -> tuple[dict[str, str], bytes]:
    boundary = "kioskboundary"
    body = b"".join(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode() for k, v in fields.items())
    body += f'--{boundary}\r\nContent-Disposition: form-data; name="device_key"; filename="{key_name}"\r\n'.encode()
    body += b"Content-Type: application/x-pem-file\r\n\r\n" + key_pem + b"\r\n"
    return {"Content-Type": f"multipart/form-data; boundary={boundary}"}, body + f"--{boundary}--\r\n".encode()


def test_a_pass_bound_to_the_holders_phone_opens_only_as_its_rotating_code(
    operator_config: KioskConfig, client: Client, stored: Stored, operator_clock: ManualClock
) -> None:
    client.log_in("ops", PASSWORD)
    token = client.get("/passes").form_token()
    phone, phone_pem = device_key_pair("device")
    headers, body = multipart({"csrf": token, "subject": "holder-carol", "valid_days": "30", "this_gate_only": "yes"}, "phone.pub.pem", phone_pem)
    shown = client.request("POST", "/passes/issue", headers=headers, body=body)
    assert shown.status == 200 and 'id="bound"' in shown.text
    text = shown.text.split('id="pass-text">')[1].split("<")[0]
    credentials = operator_config.credentials
    verifier = CredentialVerifier(TrustStore.load(credentials.trust_dir), credentials, gate_id=operator_config.gate.gate_id)
    at = datetime.fromtimestamp(operator_clock.wall(), tz=timezone.utc)
    assert not verifier.verify(text, at).valid, "the pass text alone opens nothing"
    code = dynamic_code(text, credentials.pass_prefix, phone, at, credentials.dynamic_window_s, credentials.dynamic_pass_prefix)
    assert verifier.verify(code, at).valid
    audited = [d for kind, d in stored()[1] if kind == "operator-change" and d["action"] == "pass-issue"]
    assert [d["bound_to_device"] for d in audited] == [True]


def test_a_key_of_the_wrong_role_is_refused_as_the_cli_refuses_it(client: Client, stored: Stored) -> None:
    csrf = client.request("POST", "/api/v1/login", json_body={"name": "ops", "password": PASSWORD}).json()["csrf_token"]
    _, issuer_pem = device_key_pair("issuer")
    wrong = {"subject": "holder-carol", "valid_days": 7, "device_key_pem": issuer_pem.decode()}
    refused = client.request("POST", "/api/v1/passes", json_body=wrong, headers={"X-CSRF-Token": csrf})
    assert refused.status == 400
    assert refused.json()["error"] == "key 'device_key_pem': an issuer key (expected a device key from 'kiosk pass keygen --role device')"
    client.cookies.clear()
    client.log_in("ops", PASSWORD)
    token = client.get("/passes").form_token()
    headers, body = multipart({"csrf": token, "subject": "holder-carol", "valid_days": "30"}, "site.pub.pem", issuer_pem)
    page = client.request("POST", "/passes/issue", headers=headers, body=body)
    assert page.status == 400 and "key &#39;site.pub.pem&#39;: an issuer key (expected a device key" in page.text
    headers, body = multipart({"csrf": token, "subject": "holder-carol", "valid_days": "30"}, "notes.txt", b"not a key")
    garbage = client.request("POST", "/passes/issue", headers=headers, body=body)
    assert garbage.status == 400 and "expected a PEM Ed25519 public key" in garbage.text
    assert not [d for kind, d in stored()[1] if kind == "operator-change" and d["action"] == "pass-issue"]
