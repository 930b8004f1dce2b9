"""Fuzzing every parser: arbitrary input yields a verdict (or a Rejected inside the package), never another exception."""

from __future__ import annotations

import zlib
from datetime import datetime, timezone

import base45
import cbor2
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.credentials import STAGES, CredentialsConfig, CredentialVerifier, TrustStore
from kiosk.credentials.cose import parse_sign1
from kiosk.credentials.encoding import RAW_DEFLATE, decode_base45, decode_base64url, decode_shc_numeric, inflate
from kiosk.credentials.jws import parse_jws
from kiosk.credentials.verdict import Rejected

AT = datetime(2026, 1, 1, tzinfo=timezone.utc)
VERIFIER = CredentialVerifier(TrustStore(), CredentialsConfig())
FUZZ = settings(max_examples=150, deadline=None)

cbor_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**64), 2**64) | st.binary(max_size=40) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.integers(-300, 300) | st.text(max_size=5), children, max_size=5),
    max_leaves=20,
)


def _only_rejected(function, *args) -> None:
    try:
        function(*args)
    except Rejected as rejected:
        assert rejected.stage in STAGES


@FUZZ
@given(st.text(max_size=300))
def test_base45_decoder_only_rejects(text: str) -> None:
    _only_rejected(decode_base45, text)


@FUZZ
@given(st.binary(max_size=400), st.sampled_from([zlib.MAX_WBITS, RAW_DEFLATE]))
def test_inflate_only_rejects(data: bytes, wbits: int) -> None:
    _only_rejected(inflate, data, 4096, wbits)


@FUZZ
@given(st.integers(4097, 10_000_000))
def test_inflate_stops_at_the_limit(size: int) -> None:
    try:
        inflate(zlib.compress(b"a" * size), 4096)
        raise AssertionError("a stream larger than the limit was accepted")
    except Rejected as rejected:
        assert rejected.reason == "too-large"


@FUZZ
@given(st.text(alphabet="0123456789/", max_size=300))
def test_numeric_decoder_only_rejects(digits: str) -> None:
    _only_rejected(decode_shc_numeric, digits)


@FUZZ
@given(st.text(max_size=200))
def test_base64url_decoder_only_rejects(text: str) -> None:
    _only_rejected(decode_base64url, text, "payload")


@FUZZ
@given(st.binary(max_size=300))
def test_cbor_and_cose_parser_only_rejects_bytes(data: bytes) -> None:
    _only_rejected(parse_sign1, data)


@FUZZ
@given(cbor_values, st.sampled_from([None, 18, 61, 98]))
def test_cose_parser_only_rejects_well_formed_cbor(value, tag) -> None:
    data = cbor2.dumps(cbor2.CBORTag(tag, value) if tag else value)
    _only_rejected(parse_sign1, data)


@FUZZ
@given(st.text(max_size=300))
def test_jws_parser_only_rejects(text: str) -> None:
    _only_rejected(parse_jws, text)


@FUZZ
@given(st.sampled_from(["HC1:", "shc:/", "shc:/1/2/", "KP1:", "KD1:", ""]), st.text(max_size=300))
def test_verifier_answers_any_text_with_a_verdict(prefix: str, body: str) -> None:
    verdict = VERIFIER.verify(prefix + body, AT)
    assert not verdict.valid and verdict.stage in STAGES and verdict.reason != "internal-error"


@FUZZ
@given(cbor_values)
def test_verifier_answers_any_signed_looking_cbor_with_a_verdict(value) -> None:
    for prefix, data in (("HC1:", zlib.compress(cbor2.dumps(cbor2.CBORTag(18, value)))), ("KP1:", cbor2.dumps(value)),
                         ("KD1:", cbor2.dumps(value))):
        verdict = VERIFIER.verify(prefix + base45.b45encode(data).decode(), AT)
        assert not verdict.valid and verdict.stage in STAGES and verdict.reason != "internal-error"
