"""SMART Health Cards: the published examples verify offline; chunked cards assemble; revocation by rid; tampering fails."""

from __future__ import annotations

import json
import shutil
from datetime import datetime, timezone
from pathlib import Path

import pytest

from kiosk.credentials import ShcChunkAssembler, TrustStore
from kiosk.credentials.encoding import decode_base64url, decode_shc_numeric, encode_base64url

from .conftest import verifier_for

ISSUER = "https://spec.smarthealth.cards/examples/issuer"
AT = datetime(2023, 7, 1, tzinfo=timezone.utc)


@pytest.fixture
def trust_dir(shc_dir: Path, tmp_path: Path) -> Path:
    issuer = tmp_path / "trust" / "shc" / "example"
    shutil.copytree(shc_dir / "issuer" / ".well-known", issuer / ".well-known")
    (issuer / "iss.txt").write_text(ISSUER + "\n")
    return tmp_path / "trust"


def _qr_texts(shc_dir: Path, example: str) -> list[str]:
    return [p.read_text().strip() for p in sorted(shc_dir.glob(f"example-{example}-f-qr-code-numeric-value-*.txt"))]


def _numeric(jws: str) -> str:
    return "shc:/" + "".join(f"{ord(c) - 45:02d}" for c in jws)


@pytest.mark.parametrize("example", ["00", "01"])
def test_single_qr_examples_are_valid(shc_dir: Path, trust_dir: Path, example: str) -> None:
    [text] = _qr_texts(shc_dir, example)
    verdict = verifier_for(TrustStore.load(trust_dir)).verify(text, AT)
    assert (verdict.valid, verdict.stage, verdict.format) == (True, "ok", "shc"), verdict
    assert verdict.subject_ref is not None


def test_numeric_decoding_gives_the_published_jws(shc_dir: Path) -> None:
    [text] = _qr_texts(shc_dir, "00")
    assert decode_shc_numeric(text[len("shc:/") :]) == (shc_dir / "example-00-d-jws.txt").read_text().strip()


def test_chunked_card_is_assembled_in_any_order(shc_dir: Path, trust_dir: Path) -> None:
    parts = _qr_texts(shc_dir, "02")
    assembler = ShcChunkAssembler()
    assert [assembler.add(parts[2]), assembler.add(parts[0]), assembler.add(parts[0])] == [None, None, None]
    assert assembler.missing == 1
    whole = assembler.add(parts[1])
    assert whole is not None and assembler.missing == 0
    assert verifier_for(TrustStore.load(trust_dir)).verify(whole, AT).valid


def test_one_chunk_alone_asks_for_the_others(shc_dir: Path, trust_dir: Path) -> None:
    verdict = verifier_for(TrustStore.load(trust_dir)).verify(_qr_texts(shc_dir, "02")[0], AT)
    assert (verdict.stage, verdict.reason) == ("structure", "incomplete-chunks")
    assert "3 parts" in verdict.message


def test_assembler_passes_whole_cards_through() -> None:
    assert ShcChunkAssembler().add("shc:/5676") == "shc:/5676"
    assert ShcChunkAssembler().add("HC1:ABC") == "HC1:ABC"


def test_card_on_revocation_list_is_revoked(shc_dir: Path, trust_dir: Path) -> None:
    [text] = _qr_texts(shc_dir, "03")
    verdict = verifier_for(TrustStore.load(trust_dir)).verify(text, AT)
    assert (verdict.stage, verdict.reason) == ("revoked", "revoked")


def test_revocation_cutoff_spares_cards_issued_after_it(shc_dir: Path, trust_dir: Path) -> None:
    crl = next((trust_dir / "shc" / "example" / ".well-known" / "crl").glob("*.json"))
    data = json.loads(crl.read_text())
    data["rids"] = ["vwAjHdarZuc.1687450000"]  # revokes only cards issued before this time
    crl.write_text(json.dumps(data))
    [text] = _qr_texts(shc_dir, "03")
    assert verifier_for(TrustStore.load(trust_dir)).verify(text, AT).valid


def test_expired_card_names_its_expiry(shc_dir: Path, trust_dir: Path) -> None:
    [text] = _qr_texts(shc_dir, "03")
    verdict = verifier_for(TrustStore.load(trust_dir)).verify(text, datetime(2025, 1, 1, tzinfo=timezone.utc))
    assert (verdict.stage, verdict.reason) == ("validity-period", "expired")
    assert verdict.message == "This health card expired on 2024-06-21."


def test_card_before_its_nbf_is_not_yet_valid(shc_dir: Path, trust_dir: Path) -> None:
    [text] = _qr_texts(shc_dir, "00")
    verdict = verifier_for(TrustStore.load(trust_dir)).verify(text, datetime(2023, 1, 1, tzinfo=timezone.utc))
    assert (verdict.stage, verdict.reason) == ("validity-period", "not-yet-valid")


def test_unknown_issuer_key_is_refused(shc_dir: Path) -> None:
    [text] = _qr_texts(shc_dir, "00")
    verdict = verifier_for(TrustStore()).verify(text, AT)
    assert (verdict.stage, verdict.reason) == ("signature", "unknown-key")


def test_key_trusted_for_another_issuer_is_refused(shc_dir: Path, trust_dir: Path) -> None:
    (trust_dir / "shc" / "example" / "iss.txt").write_text("https://elsewhere.example/issuer\n")
    [text] = _qr_texts(shc_dir, "00")
    verdict = verifier_for(TrustStore.load(trust_dir)).verify(text, AT)
    assert (verdict.stage, verdict.reason) == ("signature", "issuer-mismatch")


@pytest.mark.parametrize("part", [1, 2], ids=["payload", "signature"])
@pytest.mark.parametrize("position", [0.1, 0.5, 0.9])
def test_altered_jws_is_rejected_at_signature_stage(shc_dir: Path, trust_dir: Path, part: int, position: float) -> None:
    parts = (shc_dir / "example-00-d-jws.txt").read_text().strip().split(".")
    segment = parts[part]
    index = int(len(segment) * position)
    parts[part] = segment[:index] + ("A" if segment[index] != "A" else "B") + segment[index + 1 :]
    verdict = verifier_for(TrustStore.load(trust_dir)).verify(_numeric(".".join(parts)), AT)
    assert (verdict.valid, verdict.stage, verdict.reason) == (False, "signature", "bad-signature"), verdict


def test_altered_header_with_same_claims_is_rejected_at_signature_stage(shc_dir: Path, trust_dir: Path) -> None:
    header_b64, payload, signature = (shc_dir / "example-00-d-jws.txt").read_text().strip().split(".")
    header = json.loads(decode_base64url(header_b64, "header"))
    respaced = encode_base64url(json.dumps(header, indent=1).encode())
    verdict = verifier_for(TrustStore.load(trust_dir)).verify(_numeric(f"{respaced}.{payload}.{signature}"), AT)
    assert (verdict.stage, verdict.reason) == ("signature", "bad-signature")


@pytest.mark.parametrize("alg", ["none", "HS256", "RS256"])
def test_other_algorithms_are_refused(shc_dir: Path, trust_dir: Path, alg: str) -> None:
    header_b64, payload, signature = (shc_dir / "example-00-d-jws.txt").read_text().strip().split(".")
    header = json.loads(decode_base64url(header_b64, "header"))
    forged_header = encode_base64url(json.dumps({**header, "alg": alg}).encode())
    verdict = verifier_for(TrustStore.load(trust_dir)).verify(_numeric(f"{forged_header}.{payload}.{signature}"), AT)
    assert (verdict.stage, verdict.reason) == ("signature", "algorithm-not-allowed")
