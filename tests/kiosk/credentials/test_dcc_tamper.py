"""Forged, altered and misused DCCs are refused at the right stage with the right reason."""

from __future__ import annotations

import hashlib
import zlib
from datetime import timedelta

import base45
import cbor2
import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa

from kiosk.credentials import TrustStore
from kiosk.credentials.signers import DocumentSigner

from .conftest import NOW, OID_RECOVERY, OID_TEST, OID_VACCINATION, VACCINATION, hc1, make_signer, verifier_for


def _verify(text: str, trust: TrustStore, **config):
    return verifier_for(trust, **config).verify(text, NOW)


def _flip_bit(data: bytes, index: int) -> bytes:
    return data[:index] + bytes([data[index] ^ 0x01]) + data[index + 1 :]


def test_freshly_signed_vaccination_is_valid(signer) -> None:
    verdict = _verify(hc1(signer.cose()), signer.trust())
    assert (verdict.valid, verdict.stage, verdict.format) == (True, "ok", "dcc")
    assert verdict.valid_until == NOW + timedelta(days=30)


def test_verdict_keeps_no_name_or_birth_date(signer) -> None:
    verdict = _verify(hc1(signer.cose()), signer.trust())
    shown = repr(verdict)
    assert "MUSTER" not in shown and "Erika" not in shown and "1964" not in shown and "URN:UVCI" not in shown
    assert verdict.subject_ref is not None and len(verdict.subject_ref) == 32


@pytest.mark.parametrize("part", [2, 3], ids=["payload", "signature"])
def test_every_flipped_bit_in_payload_or_signature_is_rejected_at_signature_stage(signer, part: int) -> None:
    parts = signer.cose()
    verifier = verifier_for(signer.trust())
    for index in range(len(parts[part])):
        tampered = list(parts)
        tampered[part] = _flip_bit(parts[part], index)
        verdict = verifier.verify(hc1(tampered), NOW)
        assert (verdict.valid, verdict.stage, verdict.reason) == (False, "signature", "bad-signature"), index


def test_every_flipped_bit_in_the_protected_header_is_rejected(signer) -> None:
    parts = signer.cose()
    verifier = verifier_for(signer.trust())
    for index in range(len(parts[0])):
        tampered = [_flip_bit(parts[0], index), *parts[1:]]
        verdict = verifier.verify(hc1(tampered), NOW)
        assert not verdict.valid, index
        # A flip in the header's own CBOR framing makes it unreadable; any readable header fails the signature.
        assert verdict.stage in ("signature", "structure"), (index, verdict)


def test_missing_algorithm_is_rejected(signer) -> None:
    verdict = _verify(hc1(signer.cose(protected={4: signer.kid})), signer.trust())
    assert (verdict.stage, verdict.reason) == ("signature", "algorithm-not-allowed")


@pytest.mark.parametrize("algorithm", [-37, -8, 5, 0, "none"], ids=["PS256", "EdDSA", "HMAC", "zero", "none"])
def test_algorithm_that_does_not_fit_the_key_is_rejected(signer, algorithm) -> None:
    verdict = _verify(hc1(signer.cose(protected={1: algorithm, 4: signer.kid})), signer.trust())
    assert (verdict.stage, verdict.reason) == ("signature", "algorithm-not-allowed")


def test_es256_message_for_an_rsa_signer_is_rejected() -> None:
    message_signer = make_signer()
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    rsa_signer = DocumentSigner(message_signer.kid, rsa_key, NOW - timedelta(days=1), NOW + timedelta(days=99), frozenset())
    verdict = _verify(hc1(message_signer.cose()), TrustStore(dcc_signers={message_signer.kid: (rsa_signer,)}))
    assert (verdict.stage, verdict.reason) == ("signature", "algorithm-not-allowed")


def test_wrong_kid_is_rejected(signer) -> None:
    verdict = _verify(hc1(signer.cose(protected={1: -7, 4: b"12345678"})), signer.trust())
    assert (verdict.stage, verdict.reason) == ("signature", "unknown-signer")


def test_protected_kid_wins_over_unprotected(signer) -> None:
    parts = signer.cose(protected={1: -7, 4: b"wrongkid"}, unprotected={4: signer.kid})
    assert _verify(hc1(parts), signer.trust()).reason == "unknown-signer"


def test_signature_by_another_key_with_stolen_kid_is_rejected(signer) -> None:
    impostor = make_signer()
    parts = impostor.cose(protected={1: -7, 4: signer.kid})
    assert (_verify(hc1(parts), signer.trust()).reason) == "bad-signature"


def test_expired_certificate_names_its_expiry_date(signer) -> None:
    verdict = _verify(hc1(signer.cose(exp=NOW - timedelta(days=2))), signer.trust())
    assert (verdict.stage, verdict.reason) == ("validity-period", "expired")
    assert verdict.message == f"This certificate expired on {(NOW - timedelta(days=2)):%Y-%m-%d}."


def test_expired_signer_is_rejected() -> None:
    old = make_signer(not_before=NOW - timedelta(days=400), not_after=NOW - timedelta(days=1))
    verdict = _verify(hc1(old.cose(iat=NOW - timedelta(days=10))), old.trust())
    assert (verdict.stage, verdict.reason) == ("validity-period", "signer-expired")


def test_not_yet_valid_signer_is_rejected() -> None:
    future = make_signer(not_before=NOW + timedelta(days=1))
    verdict = _verify(hc1(future.cose()), future.trust())
    assert (verdict.stage, verdict.reason) == ("validity-period", "signer-not-yet-valid")


def test_certificate_issued_before_its_signer_existed_is_rejected() -> None:
    signer = make_signer(not_before=NOW - timedelta(days=5))
    verdict = _verify(hc1(signer.cose(iat=NOW - timedelta(days=6))), signer.trust())
    assert (verdict.stage, verdict.reason) == ("validity-period", "signed-before-signer")


@pytest.mark.parametrize(
    ("usages", "allowed"),
    [([OID_TEST], False), ([OID_RECOVERY], False), ([OID_VACCINATION], True), ([OID_TEST, OID_VACCINATION], True),
     (["1.3.6.1.5.5.7.3.3"], False), (None, True)],
    ids=["test-only", "recovery-only", "vaccination", "test-and-vaccination", "unrelated", "no-extension"],
)
def test_signer_key_usage_limits_certificate_types(usages, allowed: bool) -> None:
    signer = make_signer(usages=usages)
    verdict = _verify(hc1(signer.cose()), signer.trust())
    assert verdict.valid is allowed
    if not allowed:
        assert (verdict.stage, verdict.reason) == ("key-usage", "signer-not-allowed")
        assert "vaccination" in verdict.message


def test_schema_violation_is_rejected(signer) -> None:
    payload = {**VACCINATION, "nam": {"fnt": "lower case"}}
    assert _verify(hc1(signer.cose(payload)), signer.trust()).stage == "schema"


def test_certificate_of_two_types_is_rejected(signer) -> None:
    test_entry = {"tg": "840539006", "tt": "LP6464-4", "sc": "2026-01-14T08:00:00Z", "tr": "260415000", "tc": "Lab",
                  "co": "AT", "is": "Ministry of Health", "ci": "URN:UVCI:01:AT:TEST#1"}
    payload = {**VACCINATION, "ver": "1.2.1", "t": [test_entry]}
    verdict = _verify(hc1(signer.cose(payload)), signer.trust())
    assert (verdict.stage, verdict.reason) == ("schema", "not-one-type")


@pytest.mark.parametrize(("version", "valid"), [("1.2.1", True), ("1.3.0", False)])
def test_several_entries_of_one_type_follow_the_schema_version(signer, version: str, valid: bool) -> None:
    entry = VACCINATION["v"][0]
    payload = {**VACCINATION, "ver": version, "v": [{**entry, "dn": 1}, entry]}
    verdict = _verify(hc1(signer.cose(payload)), signer.trust())
    assert verdict.valid is valid
    if not valid:
        assert verdict.stage == "schema"


def test_revoked_uvci_is_rejected(signer) -> None:
    uvci = VACCINATION["v"][0]["ci"]
    trust = TrustStore(dcc_signers=signer.trust().dcc_signers, revoked_sha256=frozenset({hashlib.sha256(uvci.encode()).hexdigest()}))
    assert (_verify(hc1(signer.cose()), trust).stage) == "revoked"


def test_zip_bomb_is_refused_without_inflating_it(signer) -> None:
    bomb = "HC1:" + base45.b45encode(zlib.compress(b"\0" * 50_000_000, 9)).decode()
    verdict = _verify(bomb, signer.trust())
    assert (verdict.stage, verdict.reason) == ("decompression", "too-large")


def test_untagged_and_cwt_tagged_messages_are_read(signer) -> None:
    parts = signer.cose()
    untagged = "HC1:" + base45.b45encode(zlib.compress(cbor2.dumps(parts))).decode()
    cwt_tagged = "HC1:" + base45.b45encode(zlib.compress(cbor2.dumps(cbor2.CBORTag(61, cbor2.CBORTag(18, parts))))).decode()
    assert _verify(untagged, signer.trust()).valid
    assert _verify(cwt_tagged, signer.trust()).valid


def test_format_turned_off_in_config_is_refused_by_policy(signer) -> None:
    verdict = _verify(hc1(signer.cose()), signer.trust(), formats=["shc"])
    assert (verdict.stage, verdict.reason) == ("policy", "format-not-accepted")


def test_time_without_zone_is_a_request_error(signer) -> None:
    verdict = verifier_for(signer.trust()).verify(hc1(signer.cose()), NOW.replace(tzinfo=None))
    assert (verdict.valid, verdict.stage) == (False, "request")


@pytest.mark.filterwarnings("ignore:Parsed a serial number which wasn't positive")
def test_signer_with_a_negative_serial_number_is_still_read() -> None:
    # RFC 5280 forbids negative serials and strict parsers refuse them; some national signers have them.
    signer = make_signer()
    der = bytearray(signer.der)
    serial_at = der.index(b"\xa0\x03\x02\x01\x02\x02") + 7  # [0] v3, then the serial INTEGER's first content byte
    der[serial_at] |= 0x80
    trust = TrustStore.from_certificates([bytes(der)])
    [read] = trust.dcc_signers[hashlib.sha256(der).digest()[:8]]
    assert read.public_key.public_numbers() == signer.key.public_key().public_numbers()
    assert read.not_after == x509.load_der_x509_certificate(signer.der).not_valid_after_utc
