"""`kiosk credential trust import`: published DCC signer lists checked entry by entry, then the whole chain to a gate.

The lists are built here from certificates made with `cryptography` (and, where present, the shared
conformance signers), in the two documented formats: the EU gateway's JSON array and the German
DSC list with its signature line. For the gateway's per-entry signatures a trust anchor, CSCAs, UPLOAD
certificates and DSCs are made here too, each entry signed as dgc-gateway signs it: a detached CMS
over the entry's DER (the trust anchor's for CSCA and UPLOAD, the country's UPLOAD's for a DSC).
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.hazmat.primitives.serialization import pkcs7
from cryptography.x509.oid import NameOID

from kiosk.cli import main
from kiosk.credentials import TrustStore
from kiosk.credentials.gateway_signatures import signature_problem
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
    code, out = run_import(tmp_path, json.dumps(entries).encode(), "--format", "eu-gateway", "--unverified")
    assert code == 0
    assert sorted(p.name for p in (out / "dcc").iterdir()) == [f"AT-{good.kid.hex()}.der"]
    assert (out / "dcc" / f"AT-{good.kid.hex()}.der").read_bytes() == good.der
    assert [s["reason"] for s in report(out)["skipped"]] == [
        "expired", "kid-mismatch", "thumbprint-mismatch", "country-mismatch", "not-a-document-signer",
        "unknown-certificate-type", "not-a-certificate", "duplicate", "malformed",
    ]
    assert report(out)["list_signature"] == "not-checked"


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
        code, out = run_import(tmp_path, json.dumps([entry(s.der) for s in signers]).encode(), "--format", "eu-gateway", "--unverified", name=f"list-{sequence}")
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
    code, out = run_import(tmp_path, json.dumps(entries).encode(), "--format", "eu-gateway", "--unverified", "--at", "2021-07-01T00:00:00Z")
    imported, skipped = report(out)["imported"], report(out)["skipped"]
    assert code == 0 and len(imported) + len(skipped) == len(entries)
    assert {signer["country"] for signer in imported} == {folder for folder in folders if folder != "common"}
    # The 'common' cases are signed by test certificates whose subject names no country: nothing to check them against.
    assert {(folders[s["index"]], s["reason"]) for s in skipped} <= {("common", "no-country"), *((f, "expired") for f in folders)}
    for signer in imported:
        der = (out / signer["file"]).read_bytes()
        assert hashlib.sha256(der).digest()[:8].hex() == signer["kid"]


@dataclass(frozen=True)
class Party:
    """A certificate of the gateway's world (trust anchor, CSCA, UPLOAD, DSC) with its private key."""

    key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
    certificate: x509.Certificate

    @property
    def der(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.DER)


def party(country: str, name: str, issuer: Party | None = None, *, rsa_key: bool = False) -> Party:
    key = rsa.generate_private_key(65537, 2048) if rsa_key else ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, country), x509.NameAttribute(NameOID.COMMON_NAME, name)])
    certificate = (
        x509.CertificateBuilder().subject_name(subject).issuer_name(issuer.certificate.subject if issuer else subject)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(NOW - timedelta(days=365)).not_valid_after(NOW + timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=issuer is None, path_length=None), critical=True)
        .sign(issuer.key if issuer else key, hashes.SHA256())
    )
    return Party(key, certificate)


def cms(content: bytes, signer: Party, *options: pkcs7.PKCS7Options) -> str:
    """A detached CMS signature over `content`, as dgc-lib's SignedCertificateMessageBuilder.build(true) makes one."""
    chosen = options or (pkcs7.PKCS7Options.DetachedSignature,)
    signed = pkcs7.PKCS7SignatureBuilder().set_data(content).add_signer(signer.certificate, signer.key, hashes.SHA256())
    return base64.b64encode(signed.sign(serialization.Encoding.DER, [pkcs7.PKCS7Options.Binary, *chosen])).decode()


def listed(item: Party, kind: str, signed_by: Party, **changes: object) -> dict[str, object]:
    country = item.certificate.subject.get_attributes_for_oid(NameOID.COUNTRY_NAME)[0].value
    return entry(item.der, str(country), kind, **{"signature": cms(item.der, signed_by), **changes})


@dataclass(frozen=True)
class Country:
    csca: Party
    upload: Party
    dsc: Party

    def entries(self, anchor: Party) -> list[dict[str, object]]:
        return [listed(self.csca, "CSCA", anchor), listed(self.upload, "UPLOAD", anchor), listed(self.dsc, "DSC", self.upload)]


def onboarded(code: str, *, rsa_key: bool = False) -> Country:
    csca = party(code, f"CSCA {code}", rsa_key=rsa_key)
    return Country(csca, party(code, f"Upload {code}", rsa_key=rsa_key), party(code, f"DSC {code}", csca))


def anchor_file(tmp_path: Path, *anchors: Party) -> str:
    path = tmp_path / "trust-anchor.pem"
    path.write_bytes(b"".join(a.certificate.public_bytes(serialization.Encoding.PEM) for a in anchors))
    return str(path)


def test_a_gateway_list_whose_entries_chain_to_the_trust_anchor_is_imported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    anchor, austria, germany = party("EU", "DCCG trust anchor"), onboarded("AT"), onboarded("DE", rsa_key=True)
    entries = [*austria.entries(anchor), *germany.entries(anchor), listed(party("AT", "TLS AT"), "AUTHENTICATION", anchor)]
    code, out = run_import(tmp_path, json.dumps(entries).encode(), "--format", "eu-gateway", "--trust-anchor", anchor_file(tmp_path, anchor))
    assert code == 0 and "(entry signatures: verified)" in capsys.readouterr().out
    assert {(s["country"], s["kid"]) for s in report(out)["imported"]} == {
        ("AT", hashlib.sha256(austria.dsc.der).digest()[:8].hex()), ("DE", hashlib.sha256(germany.dsc.der).digest()[:8].hex())}
    assert report(out)["list_signature"] == "verified"
    skipped = report(out)["skipped"]
    assert [s["reason"] for s in skipped] == ["not-a-document-signer"] * 5
    assert sum("trust anchor signature verifies" in s["detail"] for s in skipped) == 4, "the CSCA and UPLOAD entries were checked"


def test_each_entry_that_does_not_chain_to_the_trust_anchor_is_skipped_with_its_reason(tmp_path: Path) -> None:
    anchor, stranger = party("EU", "DCCG trust anchor"), party("EU", "not the trust anchor")
    austria, france, germany, netherlands = onboarded("AT"), onboarded("FR"), onboarded("DE"), onboarded("NL")
    rogue_ca = party("AT", "CSCA AT")  # same name as Austria's CSCA, another key: not in the list
    withdrawn = party("AT", "DSC AT withdrawn", austria.csca)  # really issued by Austria's CSCA, never uploaded
    german_by_austria = party("DE", "DSC DE", austria.csca)
    swapped_csca = party("DE", "CSCA DE", rogue_ca)
    entries = [
        *austria.entries(anchor),                                                   # 0-2: imported
        listed(party("AT", "DSC AT rogue", rogue_ca), "DSC", austria.upload),       # 3: not-issued-by-csca
        listed(france.csca, "CSCA", stranger),                                      # 4: bad-trust-anchor-signature
        listed(france.upload, "UPLOAD", anchor),                                    # 5
        listed(france.dsc, "DSC", france.upload),                                   # 6: no-verified-csca
        *germany.entries(anchor),                                                   # 7-9: imported
        listed(german_by_austria, "DSC", germany.upload),                           # 10: csca-of-another-country
        listed(withdrawn, "DSC", austria.upload, signature=cms(austria.dsc.der, austria.upload)),  # 11: signature copied from 2
        listed(austria.dsc, "DSC", stranger),                                       # 12: entry 2 re-signed by a stranger
        listed(netherlands.csca, "CSCA", anchor),                                   # 13
        listed(netherlands.dsc, "DSC", netherlands.upload),                         # 14: no-verified-upload-certificate
        listed(swapped_csca, "CSCA", anchor, signature=cms(germany.csca.der, anchor)),  # 15: bad-trust-anchor-signature
    ]
    code, out = run_import(tmp_path, json.dumps(entries).encode(), "--format", "eu-gateway", "--trust-anchor", anchor_file(tmp_path, anchor))
    assert code == 0
    assert sorted(p.name for p in (out / "dcc").iterdir()) == sorted(
        f"{c}-{hashlib.sha256(d.der).digest()[:8].hex()}.der" for c, d in (("AT", austria.dsc), ("DE", germany.dsc)))
    reasons = {s["index"]: s["reason"] for s in report(out)["skipped"] if s["reason"] != "not-a-document-signer"}
    assert reasons == {
        3: "not-issued-by-csca", 4: "bad-trust-anchor-signature", 6: "no-verified-csca", 10: "csca-of-another-country",
        11: "bad-upload-signature", 12: "bad-upload-signature", 14: "no-verified-upload-certificate", 15: "bad-trust-anchor-signature",
    }


def test_a_gateway_list_needs_a_trust_anchor_or_an_explicit_unverified(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    anchor, austria = party("EU", "DCCG trust anchor"), onboarded("AT")
    data = json.dumps(austria.entries(anchor)).encode()
    key_file = tmp_path / "list-key.pem"
    key_file.write_bytes(ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    (tmp_path / "not-a-certificate.pem").write_bytes(b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
    refused = {
        "neither": (),
        "both": ("--trust-anchor", anchor_file(tmp_path, anchor), "--unverified"),
        "list-key": ("--list-key", str(key_file)),
        "unreadable-anchor": ("--trust-anchor", str(tmp_path / "not-a-certificate.pem")),
        "missing-anchor": ("--trust-anchor", str(tmp_path / "absent.pem")),
    }
    for name, flags in refused.items():
        code, out = run_import(tmp_path, data, "--format", "eu-gateway", *flags, name=name)
        assert code == 2 and not out.exists(), name
    errors = capsys.readouterr().err.splitlines()
    assert len(errors) == len(refused) and all("Traceback" not in line for line in errors)
    assert "give --trust-anchor PEM" in errors[0] and "applies to --format de-dsc only" in errors[2]
    assert run_import(tmp_path, b"\n" + data, "--format", "de-dsc", "--unverified", "--trust-anchor", anchor_file(tmp_path, anchor), name="de")[0] == 2
    code, out = run_import(tmp_path, data, "--format", "eu-gateway", "--unverified", name="unverified")
    assert code == 0 and report(out)["list_signature"] == "not-checked" and len(report(out)["imported"]) == 1


def test_the_gateways_cms_forms_verify_and_others_do_not() -> None:
    anchor, other = party("EU", "DCCG trust anchor"), party("EU", "another")
    csca = party("AT", "CSCA AT").der
    accepted = {
        "detached with signed attributes": cms(csca, anchor),
        "detached without signed attributes": cms(csca, anchor, pkcs7.PKCS7Options.DetachedSignature, pkcs7.PKCS7Options.NoAttributes),
        "content embedded": cms(csca, anchor, pkcs7.PKCS7Options.NoCapabilities),
    }
    for name, signature in accepted.items():
        assert signature_problem(signature, csca, [anchor.certificate]) is None, name
    refused = {
        "over other content": (cms(party("AT", "CSCA AT").der, anchor), [anchor.certificate]),
        "embedding other content": (cms(b"other", anchor, pkcs7.PKCS7Options.NoCapabilities), [anchor.certificate]),
        "by another signer": (cms(csca, other), [anchor.certificate]),
        "without its certificate": (cms(csca, anchor, pkcs7.PKCS7Options.DetachedSignature, pkcs7.PKCS7Options.NoCerts), [anchor.certificate]),
        "not CMS": ("MIAGCSqGSIb3DQEHAqCAMIACAQEx", [anchor.certificate]),
        "missing": (None, [anchor.certificate]),
        "with nobody to check it against": (cms(csca, anchor), []),
    }
    for name, (signature, signers) in refused.items():
        assert signature_problem(signature, csca, signers) is not None, name
