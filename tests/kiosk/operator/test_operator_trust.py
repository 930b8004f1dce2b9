"""Trust on the operator page: what is in force, and applying a signed update (verified, audited)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from hardware.clock import ManualClock
from kiosk.config.schema import KioskConfig
from kiosk.credentials import CredentialVerifier, TrustStore
from kiosk.credentials.kiosk_pass import PassClaims, issue_pass
from kiosk.credentials.updates import UPDATE_KEY_FILE, current_sequence, sign_update
from kiosk.operator.pages import trust as trust_page
from kiosk.operator.site import open_operator_page
from kiosk.service.trust_keeper import TrustKeeper, TrustUpdateRequests
from kiosk.storage.storage import Storage
from tests.kiosk.operator.client import Client
from tests.kiosk.operator.conftest import PASSWORD

Stored = Callable[[], tuple[list[str], list[tuple[str, dict[str, object]]]]]
AT = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)


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


class RunningGate:
    """A gate loop on a thread of its own, as `kiosk run` has: its keeper applies what the page hands it, on that thread."""

    def __init__(self, config: KioskConfig) -> None:
        self.requests = TrustUpdateRequests()
        self.verifier = CredentialVerifier(TrustStore.load(config.credentials.trust_dir), config.credentials)
        self._config = config
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop)
        self._thread.start()

    def _loop(self) -> None:
        with Storage.open(self._config.storage, ManualClock()) as storage:
            keeper = TrustKeeper(self._config.credentials.trust_dir, storage.audit, [self.verifier])
            while not self._stop.wait(0.005):
                self.requests.serve(keeper)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def issued_pass(config: KioskConfig, issuer: ed25519.Ed25519PrivateKey) -> str:
    claims = PassClaims("site", "holder-1", bytes(range(16)), AT - timedelta(days=1), AT - timedelta(days=1), AT + timedelta(days=30))
    return issue_pass(claims, issuer, config.credentials.pass_prefix)


def api_login(client: Client) -> dict[str, str]:
    login = client.request("POST", "/api/v1/login", json_body={"name": "ops", "password": PASSWORD}).json()
    return {"X-CSRF-Token": login["csrf_token"], "Content-Type": "application/octet-stream"}


def test_beside_a_running_gate_an_update_from_the_page_is_in_use_at_once_and_audited_by_the_gate(
    operator_config: KioskConfig, update_key: ed25519.Ed25519PrivateKey, stored: Stored
) -> None:
    issuer = ed25519.Ed25519PrivateKey.generate()
    gate = RunningGate(operator_config)
    page = open_operator_page(operator_config, None, port=0, clock=ManualClock(), trust_updates=gate.requests.submit)
    page.site.accounts.add("ops", PASSWORD)
    try:
        assert page.server is not None
        client = Client(page.server.port)
        headers = api_login(client)
        assert not gate.verifier.verify(issued_pass(operator_config, issuer), AT).valid
        update = sign_update({"kiosk/site.pem": issuer.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)}, 1, update_key)
        applied = client.request("POST", "/api/v1/trust/update", headers=headers, body=update)
        assert applied.status == 200 and applied.json()["reason"] == "applied" and applied.json()["sequence"] == 1
        assert gate.verifier.verify(issued_pass(operator_config, issuer), AT).valid, "the running gate trusts the new issuer without a restart"
        again = client.request("POST", "/api/v1/trust/update", headers=headers, body=update)
        assert again.status == 400 and gate.verifier.verify(issued_pass(operator_config, issuer), AT).valid
        assert "in use at once" in client.get("/trust").text
    finally:
        page.stop()
        gate.stop()
    audited = [(d["by"], d["done"]) for kind, d in stored()[1] if kind == "trust-list-update"]
    assert audited == [("operator ops", True), ("operator ops", False)]


def test_an_update_the_page_stopped_waiting_for_is_never_applied_by_a_gate_loop_that_comes_back(
    operator_config: KioskConfig, update_key: ed25519.Ed25519PrivateKey, stored: Stored, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(trust_page, "GATE_ANSWER_WAIT_S", 0.2)
    stalled = TrustUpdateRequests()  # nobody serves it: the gate loop is stuck
    page = open_operator_page(operator_config, None, port=0, clock=ManualClock(), trust_updates=stalled.submit)
    page.site.accounts.add("ops", PASSWORD)
    try:
        assert page.server is not None
        client = Client(page.server.port)
        update = sign_update({"revoked.json": b'{"sha256": []}'}, 1, update_key)
        reply = client.request("POST", "/api/v1/trust/update", headers=api_login(client), body=update)
        assert reply.status == 400 and reply.json()["reason"] == "gate-not-answering"
    finally:
        page.stop()
    with Storage.open(operator_config.storage, ManualClock()) as storage:
        stalled.serve(TrustKeeper(operator_config.credentials.trust_dir, storage.audit, []))
    assert current_sequence(operator_config.credentials.trust_dir) == 0
    assert [kind for kind, _ in stored()[1] if kind == "trust-list-update"] == []


def test_a_trust_root_whose_current_link_leads_nowhere_shows_its_update_as_unknown(client: Client, operator_config: KioskConfig) -> None:
    root = operator_config.credentials.trust_dir
    root.mkdir(parents=True)
    (root / "current").symlink_to(root / "generations" / "00000007")
    client.log_in("ops", PASSWORD)
    assert client.get("/api/v1/trust").json()["update_sequence"] is None
    assert "unknown (the trust root" in client.get("/trust").text
    assert "unknown: its 'current' link leads to no generation" in client.get("/").text
