"""Attacks on `kiosk credential trust import`: hostile names, relabelled entries, and lists built to break the reader."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import timedelta
from pathlib import Path

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.x509.oid import NameOID

from kiosk.cli import main
from kiosk.credentials import TrustStore
from kiosk.credentials.updates import UPDATE_KEY_FILE, apply_update

from .conftest import NOW
from .test_trust_import import anchor_file, entry, listed, onboarded, party, report, run_import, signed_dsc_list


def _dsc(country: str) -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, country), x509.NameAttribute(NameOID.COMMON_NAME, "DSC")])
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key()).serial_number(7)
        .not_valid_before(NOW - timedelta(days=1)).not_valid_after(NOW + timedelta(days=30)).sign(key, hashes.SHA256())
    )
    return certificate.public_bytes(serialization.Encoding.DER)


def _list_key(tmp_path: Path) -> tuple[ec.EllipticCurvePrivateKey, str]:
    key = ec.generate_private_key(ec.SECP256R1())
    path = tmp_path / "list-key.pem"
    path.write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    return key, str(path)


@pytest.mark.parametrize("country", ["/t", "a/", "..", "1A", " A"])
def test_a_country_that_is_not_two_letters_is_skipped_and_never_names_a_file(tmp_path: Path, country: str) -> None:
    """The country names the file: a certificate with C "/t" was written to /T-<kid>.der, outside the staging folder."""
    der = _dsc(country)
    kid = hashlib.sha256(der).digest()[:8].hex()
    code, out = run_import(tmp_path, json.dumps([entry(der, country=country)]).encode(), "--format", "eu-gateway", "--unverified")
    assert code == 1 and list((out / "dcc").iterdir()) == []
    assert [s["reason"] for s in report(out)["skipped"]] == ["no-country"]
    assert not Path(f"/{country[1:].upper()}-{kid}.der").exists() and not list(tmp_path.rglob(f"*{kid}.der"))


def test_a_csca_relabelled_as_a_document_signer_is_not_imported(tmp_path: Path) -> None:
    """Its trust anchor signature is real, but a DSC needs its country's UPLOAD signature."""
    anchor, austria = party("EU", "DCCG trust anchor"), onboarded("AT")
    relabelled = {**listed(austria.csca, "CSCA", anchor), "certificateType": "DSC"}
    code, out = run_import(tmp_path, json.dumps([*austria.entries(anchor), relabelled]).encode(),
                           "--format", "eu-gateway", "--trust-anchor", anchor_file(tmp_path, anchor))
    assert code == 0 and [s["file"] for s in report(out)["imported"]] == [f"dcc/AT-{hashlib.sha256(austria.dsc.der).digest()[:8].hex()}.der"]
    assert {s["index"]: s["reason"] for s in report(out)["skipped"]}[3] == "bad-upload-signature"


def test_one_certificate_listed_under_two_countries_is_imported_once_under_its_own(tmp_path: Path) -> None:
    der = _dsc("AT")
    code, out = run_import(tmp_path, json.dumps([entry(der, country="AT"), entry(der, country="DE"), entry(der, country="AT")]).encode(),
                           "--format", "eu-gateway", "--unverified")
    assert code == 0 and [s["country"] for s in report(out)["imported"]] == ["AT"]
    assert [s["reason"] for s in report(out)["skipped"]] == ["country-mismatch", "duplicate"]


def test_a_dsc_list_with_a_second_json_document_after_the_signed_one_is_refused(tmp_path: Path) -> None:
    key, key_file = _list_key(tmp_path)
    signed = signed_dsc_list([entry(_dsc("AT"))], key)
    code, out = run_import(tmp_path, signed + b'\n{"certificates": []}', "--format", "de-dsc", "--list-key", key_file)
    assert code == 2 and not (out / "dcc").exists(), "appended: the signature no longer verifies"
    signature_line, content = signed.split(b"\n", 1)
    both = content + b'\n{"certificates": []}'
    r, s = _raw_signature(key, both)
    code, out = run_import(tmp_path, base64.b64encode(r + s) + b"\n" + both, "--format", "de-dsc", "--list-key", key_file, name="signed-both")
    assert code == 2 and not (out / "dcc").exists(), "signed with both: not one JSON document"


def _raw_signature(key: ec.EllipticCurvePrivateKey, content: bytes) -> tuple[bytes, bytes]:
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

    r, s = decode_dss_signature(key.sign(content, ec.ECDSA(hashes.SHA256())))
    return r.to_bytes(32, "big"), s.to_bytes(32, "big")


def test_a_dsc_list_with_crlf_after_its_signature_line_is_read_as_with_lf(tmp_path: Path) -> None:
    key, key_file = _list_key(tmp_path)
    signature_line, content = signed_dsc_list([entry(_dsc("AT"))], key).split(b"\n", 1)
    code, out = run_import(tmp_path, signature_line + b"\r\n" + content, "--format", "de-dsc", "--list-key", key_file)
    assert code == 0 and report(out)["list_signature"] == "verified" and len(report(out)["imported"]) == 1


@pytest.mark.parametrize("list_format", ["eu-gateway", "de-dsc"])
def test_a_deeply_nested_list_is_refused_with_one_line(tmp_path: Path, list_format: str, capsys: pytest.CaptureFixture[str]) -> None:
    nested = b"[" * 200_000 + b"]" * 200_000
    data = nested if list_format == "eu-gateway" else b'{"certificates": ' + nested + b"}"
    code, out = run_import(tmp_path, data, "--format", list_format, "--unverified")
    assert code == 2 and not (out / "dcc").exists()
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "is not JSON (RecursionError" in error


def test_a_list_larger_than_64_mib_is_refused_before_it_is_read_whole(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "huge.json"
    with path.open("wb") as file:
        file.truncate(100 * 1024 * 1024)  # sparse: 100 MiB that takes no disk
    out = tmp_path / "staging"
    assert main(["credential", "trust", "import", str(path), "--out", str(out), "--format", "eu-gateway", "--unverified"]) == 2
    assert "larger than 64 MiB" in capsys.readouterr().err and not (out / "dcc").exists()


@pytest.mark.filterwarnings("ignore:Parsed a serial number which wasn't positive")
def test_a_signer_with_a_negative_serial_imported_unverified_is_loaded_by_the_gate_too(tmp_path: Path) -> None:
    """Read leniently on both sides: an import the gate then refused would block every later update ("bad-content")."""
    certificate = asn1_x509.Certificate.load(_dsc("AT"))
    certificate["tbs_certificate"]["serial_number"] = -5
    der = certificate.dump(force=True)  # cryptography warns of it now and will refuse it in a later release
    code, out = run_import(tmp_path, json.dumps([entry(der)]).encode(), "--format", "eu-gateway", "--unverified")
    assert code == 0 and len(report(out)["imported"]) == 1
    site = ed25519.Ed25519PrivateKey.generate()
    (tmp_path / "update.key.pem").write_bytes(site.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    gate = tmp_path / "gate"
    gate.mkdir()
    (gate / UPDATE_KEY_FILE).write_bytes(site.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    assert main(["credential", "trust", "sign-update", "--key", str(tmp_path / "update.key.pem"), "--seq", "1",
                 "--replace-dir", f"dcc={out / 'dcc'}", "--out", str(tmp_path / "u.cose")]) == 0
    assert apply_update(gate, (tmp_path / "u.cose").read_bytes()).applied
    assert set(TrustStore.load(gate).dcc_signers) == {hashlib.sha256(der).digest()[:8]}
