"""`kiosk credential trust import`: published DCC signer lists checked entry by entry, then the whole chain to a gate.

The lists are built here from certificates made with `cryptography` (and, where present, the shared
conformance signers), in the two documented formats: the EU gateway's JSON array and the German
DSC list with its signature line.
"""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from kiosk.cli import main
from kiosk.credentials import TrustStore
from kiosk.credentials.updates import UPDATE_KEY_FILE, apply_update

from .conftest import NOW, DccSigner, hc1, make_signer, verifier_for

AT = NOW.isoformat()


def entry(der: bytes, country: str = "AT", kind: str = "DSC", **changes: object) -> dict[str, object]:
    digest = hashlib.sha256(der).digest()
    item: dict[str, object] = {
        "kid": base64.b64encode(digest[:8]).decode(), "timestamp": "2026-01-01T00:00:00Z", "country": country,
        "certificateType": kind, "thumbprint": digest.hex(), "signature": "MIAGCSqGSIb3DQEHAqCAMIACAQEx", "rawData": base64.b64encode(der).decode(),
    }
    item.update(changes)
    return item


def run_import(tmp_path: Path, data: bytes, *flags: str, name: str = "list") -> tuple[int, Path]:
    (tmp_path / name).write_bytes(data)
    out = tmp_path / f"{name}-staging"
    return main(["credential", "trust", "import", str(tmp_path / name), "--out", str(out), "--at", AT, *flags]), out


def report(out: Path) -> dict:
    return json.loads((out / "import-report.json").read_text())


def signed_dsc_list(entries: list[dict[str, object]], key: ec.EllipticCurvePrivateKey) -> bytes:
    content = json.dumps({"certificates": entries}).encode()
    r, s = decode_dss_signature(key.sign(content, ec.ECDSA(hashes.SHA256())))
    return base64.b64encode(r.to_bytes(32, "big") + s.to_bytes(32, "big")) + b"\n" + content


def test_every_entry_of_a_gateway_list_is_checked_and_each_skip_has_its_reason(tmp_path: Path) -> None:
    good, expired, other = make_signer(), make_signer(not_after=NOW - timedelta(days=1)), make_signer()
    entries = [
        entry(good.der),
        entry(expired.der),
        entry(other.der, kid="AAAAAAAAAAA="),
        entry(other.der, thumbprint="00" * 32),
        entry(other.der, country="DE"),
        entry(other.der, kind="CSCA"),
        entry(other.der, kind="SIGNER"),
        entry(other.der, rawData=base64.b64encode(b"not a certificate").decode()),
        entry(good.der),
        "not an object",
    ]
    code, out = run_import(tmp_path, json.dumps(entries).encode(), "--format", "eu-gateway")
    assert code == 0
    assert sorted(p.name for p in (out / "dcc").iterdir()) == [f"AT-{good.kid.hex()}.der"]
    assert (out / "dcc" / f"AT-{good.kid.hex()}.der").read_bytes() == good.der
    assert [s["reason"] for s in report(out)["skipped"]] == [
        "expired", "kid-mismatch", "thumbprint-mismatch", "country-mismatch", "not-a-document-signer",
        "unknown-certificate-type", "not-a-certificate", "duplicate", "malformed",
    ]
    assert report(out)["list_signature"] == "none-in-format"


def test_a_signed_dsc_list_is_imported_only_when_its_signature_verifies_with_the_list_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    publisher, stranger = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    key_file = tmp_path / "list-key.pem"
    key_file.write_bytes(publisher.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    signer = make_signer()
    listed = signed_dsc_list([entry(signer.der)], publisher)
    code, out = run_import(tmp_path, listed, "--format", "de-dsc", "--list-key", str(key_file), name="good")
    assert code == 0 and report(out)["list_signature"] == "verified" and len(report(out)["imported"]) == 1
    signature_line, content = listed.split(b"\n", 1)
    refusals = {
        "altered": signature_line + b"\n" + content.replace(b'"AT"', b'"DE"'),
        "stranger": signed_dsc_list([entry(signer.der)], stranger),
        "unsigned": content,
    }
    for name, data in refusals.items():
        code, out = run_import(tmp_path, data, "--format", "de-dsc", "--list-key", str(key_file), name=name)
        assert code == 2 and not (out / "dcc").exists(), name
    errors = capsys.readouterr().err
    assert errors.count("signature does not verify with the list key") == 2 and "no signature line" in errors
    code, out = run_import(tmp_path, content, "--format", "de-dsc", "--unverified", name="trusted-copy")
    assert code == 0 and report(out)["list_signature"] == "not-checked"
    assert run_import(tmp_path, listed, "--format", "de-dsc", name="neither")[0] == 2, "a signed format needs --list-key or --unverified"


def test_the_whole_chain_import_sign_update_apply_replaces_the_gates_signers(tmp_path: Path) -> None:
    site = ed25519.Ed25519PrivateKey.generate()
    (tmp_path / "update.key.pem").write_bytes(site.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    gate = tmp_path / "gate-trust"
    (gate / "dcc").mkdir(parents=True)
    (gate / UPDATE_KEY_FILE).write_bytes(site.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    dropped, kept = make_signer(), make_signer()
    (gate / "dcc" / "old.der").write_bytes(dropped.der)

    def publish(sequence: int, signers: list[DccSigner]) -> None:
        code, out = run_import(tmp_path, json.dumps([entry(s.der) for s in signers]).encode(), "--format", "eu-gateway", name=f"list-{sequence}")
        assert code == 0
        update = tmp_path / f"update-{sequence}.cose"
        assert main(["credential", "trust", "sign-update", "--key", str(tmp_path / "update.key.pem"), "--seq", str(sequence),
                     "--replace-dir", f"dcc={out / 'dcc'}", "--out", str(update)]) == 0
        assert apply_update(gate, update.read_bytes()).applied

    publish(1, [kept])
    store = TrustStore.load(gate)
    assert set(store.dcc_signers) == {kept.kid}, "the list replaced the gate's signers whole: the one it no longer lists is gone"
    assert verifier_for(store).verify(hc1(kept.cose()), NOW).valid
    assert not verifier_for(store).verify(hc1(dropped.cose()), NOW).valid


def test_the_conformance_signers_as_a_gateway_list_are_each_imported_or_skipped_with_a_reason(tmp_path: Path, dcc_dir: Path) -> None:
    entries, folders, seen = [], [], set()
    for case in sorted(dcc_dir.glob("*/2DCode/raw/*.json")):
        certificate = json.loads(case.read_text()).get("TESTCTX", {}).get("CERTIFICATE")
        if isinstance(certificate, str) and certificate not in seen:
            seen.add(certificate)
            folder = case.parts[-4]
            folders.append(folder)
            entries.append(entry(base64.b64decode(certificate), country=folder))
    code, out = run_import(tmp_path, json.dumps(entries).encode(), "--format", "eu-gateway", "--at", "2021-07-01T00:00:00Z")
    imported, skipped = report(out)["imported"], report(out)["skipped"]
    assert code == 0 and len(imported) + len(skipped) == len(entries)
    assert {signer["country"] for signer in imported} == {folder for folder in folders if folder != "common"}
    # The 'common' cases are signed by test certificates whose subject names no country: nothing to check them against.
    assert {(folders[s["index"]], s["reason"]) for s in skipped} <= {("common", "no-country"), *((f, "expired") for f in folders)}
    for signer in imported:
        der = (out / signer["file"]).read_bytes()
        assert hashlib.sha256(der).digest()[:8].hex() == signer["kid"]
