"""The kiosk's own pass: signed, minimal, limited to gates/zones; the rotating code expires and cannot be replayed."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone

import base45
import cbor2
import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519

from kiosk.credentials import TrustStore
from kiosk.credentials.encoding import decode_base45
from kiosk.credentials.kiosk_pass import PassClaims, dynamic_code, issue_pass, new_pass_id, raw_public_key
from kiosk.credentials.signers import ed25519_kid

from .conftest import verifier_for

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def issuer_key() -> ed25519.Ed25519PrivateKey:
    return ed25519.Ed25519PrivateKey.generate()


@pytest.fixture(scope="module")
def device_key() -> ed25519.Ed25519PrivateKey:
    return ed25519.Ed25519PrivateKey.generate()


@pytest.fixture(scope="module")
def trust(issuer_key) -> TrustStore:
    return TrustStore(pass_keys={ed25519_kid(issuer_key.public_key()): issuer_key.public_key()})


def _claims(**changes) -> PassClaims:
    fields = dict(issuer="site", subject="holder-7f3a", pass_id=new_pass_id(), issued_at=T0, not_before=T0,
                  expires_at=T0 + timedelta(days=30))
    fields.update(changes)
    return PassClaims(**fields)


def test_static_pass_is_valid_and_names_its_pseudonymous_holder(trust, issuer_key) -> None:
    text = issue_pass(_claims(), issuer_key, "KP1:")
    verdict = verifier_for(trust).verify(text, T0 + timedelta(hours=1))
    assert (verdict.valid, verdict.format, verdict.holder_id) == (True, "kiosk-pass", "holder-7f3a")
    assert verdict.valid_until == T0 + timedelta(days=30)


def test_pass_carries_only_the_declared_claims(issuer_key) -> None:
    text = issue_pass(_claims(gates=("north",)), issuer_key, "KP1:")
    payload = cbor2.loads(cbor2.loads(decode_base45(text[4:])).value[2])
    assert set(payload) == {1, 2, 4, 5, 6, 7, -70001}


def test_pass_signed_by_an_unknown_key_is_refused(trust) -> None:
    text = issue_pass(_claims(), ed25519.Ed25519PrivateKey.generate(), "KP1:")
    assert verifier_for(trust).verify(text, T0).reason == "unknown-signer"


def test_altered_pass_is_refused_at_signature_stage(trust, issuer_key) -> None:
    signed = bytearray(decode_base45(issue_pass(_claims(), issuer_key, "KP1:")[4:]))
    signed[-70] ^= 0x04  # inside the payload
    verdict = verifier_for(trust).verify("KP1:" + base45.b45encode(bytes(signed)).decode(), T0)
    assert (verdict.valid, verdict.stage) == (False, "signature")


@pytest.mark.parametrize(
    ("at", "reason"), [(T0 - timedelta(hours=1), "not-yet-valid"), (T0 + timedelta(days=31), "expired")]
)
def test_pass_outside_its_period_is_refused(trust, issuer_key, at, reason) -> None:
    verdict = verifier_for(trust).verify(issue_pass(_claims(), issuer_key, "KP1:"), at)
    assert (verdict.stage, verdict.reason) == ("validity-period", reason)


@pytest.mark.parametrize(
    ("gates", "zones", "allowed"),
    [((), (), True), (("main-entrance",), (), True), (("loading-dock",), (), False), (("loading-dock",), ("lobby",), True)],
)
def test_pass_opens_only_its_gates_and_zones(trust, issuer_key, gates, zones, allowed) -> None:
    text = issue_pass(_claims(gates=gates, zones=zones), issuer_key, "KP1:")
    verdict = verifier_for(trust, gate_id="main-entrance", zone="lobby").verify(text, T0)
    assert verdict.valid is allowed
    if not allowed:
        assert (verdict.stage, verdict.reason) == ("policy", "gate-not-allowed")


def test_revoked_pass_is_refused(issuer_key) -> None:
    claims = _claims()
    trust = TrustStore(
        pass_keys={ed25519_kid(issuer_key.public_key()): issuer_key.public_key()},
        revoked_sha256=frozenset({hashlib.sha256(claims.pass_id.hex().encode()).hexdigest()}),
    )
    assert verifier_for(trust).verify(issue_pass(claims, issuer_key, "KP1:"), T0).stage == "revoked"


@pytest.fixture
def rotating_pass(issuer_key, device_key) -> str:
    return issue_pass(_claims(device_key=raw_public_key(device_key.public_key())), issuer_key, "KP1:")


def _code(rotating_pass: str, device_key, at: datetime) -> str:
    return dynamic_code(rotating_pass, "KP1:", device_key, at, 10, "KD1:")


def test_rotating_code_is_valid_once(trust, device_key, rotating_pass) -> None:
    verifier = verifier_for(trust, dynamic_window_s=10)
    code = _code(rotating_pass, device_key, T0 + timedelta(seconds=3))
    assert verifier.verify(code, T0 + timedelta(seconds=5)).valid
    replay = verifier.verify(code, T0 + timedelta(seconds=6))
    assert (replay.valid, replay.stage, replay.reason) == (False, "policy", "replayed")


def test_rotating_code_changes_every_window(device_key, rotating_pass) -> None:
    codes = {_code(rotating_pass, device_key, T0 + timedelta(seconds=s)) for s in (0, 4, 9, 10, 25)}
    assert len(codes) == 3


def test_screenshot_of_a_rotating_code_goes_stale(trust, device_key, rotating_pass) -> None:
    code = _code(rotating_pass, device_key, T0)
    verdict = verifier_for(trust, dynamic_window_s=10).verify(code, T0 + timedelta(seconds=25))
    assert (verdict.stage, verdict.reason) == ("validity-period", "code-stale")


def test_code_from_the_previous_window_is_still_accepted(trust, device_key, rotating_pass) -> None:
    code = _code(rotating_pass, device_key, T0 + timedelta(seconds=9))
    assert verifier_for(trust, dynamic_window_s=10).verify(code, T0 + timedelta(seconds=12)).valid


def test_code_made_by_another_device_is_refused(trust, rotating_pass) -> None:
    code = _code(rotating_pass, ed25519.Ed25519PrivateKey.generate(), T0)
    verdict = verifier_for(trust, dynamic_window_s=10).verify(code, T0)
    assert (verdict.stage, verdict.reason) == ("signature", "bad-device-signature")


def test_device_bound_pass_shown_in_static_form_is_refused(trust, rotating_pass) -> None:
    verdict = verifier_for(trust).verify(rotating_pass, T0 + timedelta(hours=1))
    assert (verdict.valid, verdict.stage, verdict.reason) == (False, "policy", "device-bound-pass-shown-static")
    assert "live" in verdict.message and "phone" in verdict.message


def test_pass_lifted_out_of_a_rotating_code_is_refused(trust, device_key, rotating_pass) -> None:
    code = _code(rotating_pass, device_key, T0)
    signed_pass, _step, _signature = cbor2.loads(decode_base45(code[4:]))
    lifted = "KP1:" + base45.b45encode(signed_pass).decode()
    verdict = verifier_for(trust).verify(lifted, T0 + timedelta(days=3))
    assert (verdict.valid, verdict.reason) == (False, "device-bound-pass-shown-static")


def test_device_signature_lifted_from_a_code_does_not_sign_another_step(trust, device_key, rotating_pass) -> None:
    signed_pass, step, signature = cbor2.loads(decode_base45(_code(rotating_pass, device_key, T0)[4:]))
    moved = "KD1:" + base45.b45encode(cbor2.dumps([signed_pass, step + 30, signature])).decode()
    verdict = verifier_for(trust, dynamic_window_s=10).verify(moved, T0 + timedelta(seconds=300))
    assert (verdict.stage, verdict.reason) == ("signature", "bad-device-signature")


def test_static_pass_cannot_rotate(trust, issuer_key, device_key) -> None:
    code = _code(issue_pass(_claims(), issuer_key, "KP1:"), device_key, T0)
    assert verifier_for(trust, dynamic_window_s=10).verify(code, T0).reason == "not-dynamic"


def test_pseudonyms_are_stable_under_one_site_key(trust, issuer_key, tmp_path) -> None:
    key_file = tmp_path / "pseudonym.key"
    key_file.write_bytes(b"k" * 32)
    text = issue_pass(_claims(), issuer_key, "KP1:")
    first = verifier_for(trust, pseudonym_key_file=key_file).verify(text, T0).subject_ref
    second = verifier_for(trust, pseudonym_key_file=key_file).verify(text, T0).subject_ref
    unkeyed = verifier_for(trust).verify(text, T0).subject_ref
    assert first == second != unkeyed
