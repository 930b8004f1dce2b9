"""The EU DCC Gateway's per-entry signatures: detached CMS over each listed certificate.

What the `signature` of a trust list entry is, from the gateway's source (not from memory):

- CSCA, UPLOAD and AUTHENTICATION entries are trusted parties. eu-digital-green-certificates/dgc-gateway,
  src/main/java/eu/europa/ec/dgc/gateway/entity/TrustedPartyEntity.java calls the column "Signature of the
  TrustAnchor"; service/TrustedPartyService.java (validateCertificateIntegrity) checks it with
  `new SignedCertificateMessageParser(signature, rawData)`, requires the CMS signature to verify and
  `parser.getSigningCertificate().equals(trustAnchor)`. In eu-digital-green-certificates/dgc-lib,
  signing/SignedMessageParser.java reads that pair as a *detached* CMS SignedData (base64) whose
  content is base64-decoded `rawData`, i.e. the certificate's DER; it needs content type id-data,
  exactly one certificate and exactly one SignerInfo, and verifies with that embedded certificate.
  The gateway's own tests and dgc-lib's CSCA import sign them with
  `SignedCertificateMessageBuilder().withSigningCertificate(trustAnchor).withPayload(csca).build(true)`.
- DSC entries are signer information. dgc-gateway service/SignerInformationService.java stores
  `signature` as "the detached signature of cms message" that the country uploaded: the CMS the
  country signed with its UPLOAD certificate over the DSC (restapi/converter/CmsMessageConverter.java,
  `certificateParser.getSignature()`), accepted only if that signer is the country's onboarded UPLOAD
  certificate (contentCheckUploaderCertificate) and the DSC is issued by one of the country's CSCAs
  (contentCheckCsca). dgc-lib gateway/connector/DgcGatewayDownloadConnector.java, the reference
  consumer, checks a downloaded DSC the same way: issued by a trust-anchor-verified CSCA, and its
  CMS signed by a trust-anchor-verified UPLOAD certificate.
  (docs/software-design-dgc-gateway.md also labels the DSC column "Signature of the Trust Anchor",
  a copy of the trusted party table's row; the code above is what the gateway runs.)

So every entry's signature is checked here as: detached CMS, content the entry's DER certificate,
one embedded certificate that must be the expected signer, one SignerInfo that verifies.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence

from asn1crypto import cms as asn1_cms
from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

HASHES: dict[str, type[hashes.HashAlgorithm]] = {"sha256": hashes.SHA256, "sha384": hashes.SHA384, "sha512": hashes.SHA512}


def signature_problem(signature: object, content: bytes, signers: Sequence[x509.Certificate]) -> str | None:
    """Why `signature` is not a detached CMS over `content` by one of `signers`; None when it is."""
    if not signers:
        return "no certificate to check it against"
    if not isinstance(signature, str):
        return "no signature"
    try:
        raw = base64.b64decode(signature, validate=True)
        info = asn1_cms.ContentInfo.load(raw, strict=True)
        if info["content_type"].native != "signed_data":
            return f"a CMS {info['content_type'].native}, expected signed_data"
        return _signed_data_problem(info["content"], content, signers)
    except (binascii.Error, ValueError, TypeError, KeyError, IndexError) as err:
        return f"not a readable CMS signature ({err.__class__.__name__}: {str(err)[:60]})"


def _signed_data_problem(signed: asn1_cms.SignedData, content: bytes, signers: Sequence[x509.Certificate]) -> str | None:
    encapsulated = signed["encap_content_info"]
    if encapsulated["content_type"].native != "data":
        return "its content type is not id-data"
    embedded = encapsulated["content"].native
    if embedded is not None and embedded != content:
        return "it signs other content than this entry's certificate"
    certificates = [choice.chosen.dump() for choice in signed["certificates"]] if signed["certificates"].native else []
    if len(certificates) != 1:
        return f"it carries {len(certificates)} certificates, expected the one that signed it"
    signer = next((c for c in signers if c.public_bytes(serialization.Encoding.DER) == certificates[0]), None)
    if signer is None:
        return "signed by a certificate that is not the expected one"
    if len(signed["signer_infos"]) != 1:
        return f"it has {len(signed['signer_infos'])} signer infos, expected 1"
    return _signer_info_problem(signed["signer_infos"][0], content, signer)


def _signer_info_problem(info: asn1_cms.SignerInfo, content: bytes, signer: x509.Certificate) -> str | None:
    if not _names_signer(info["sid"], signer):
        return "its signer info names another certificate"
    digest_name = info["digest_algorithm"]["algorithm"].native
    if digest_name not in HASHES:
        return f"digest {digest_name} (expected SHA-256, -384 or -512)"
    signed_bytes = content
    attributes = info["signed_attrs"]
    if attributes.native:
        values = {attribute["type"].native: attribute["values"] for attribute in attributes}
        if "message_digest" not in values or "content_type" not in values or values["content_type"][0].native != "data":
            return "its signed attributes lack the message digest or the id-data content type"
        digest = hashes.Hash(HASHES[digest_name]())
        digest.update(content)
        if values["message_digest"][0].native != digest.finalize():
            return "its message digest is not that of this entry's certificate"
        signed_bytes = attributes.untag().dump()
    return _verify(signer.public_key(), info, digest_name, info["signature"].native, signed_bytes)


def _names_signer(sid: asn1_cms.SignerIdentifier, signer: x509.Certificate) -> bool:
    if sid.name == "issuer_and_serial_number":
        issuer = signer.issuer.public_bytes()
        return sid.chosen["issuer"].dump() == issuer and sid.chosen["serial_number"].native == signer.serial_number
    try:
        identifier = signer.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
    except x509.ExtensionNotFound:
        return False
    return sid.chosen.native == identifier


def _verify(key: object, info: asn1_cms.SignerInfo, digest_name: str, signature: bytes, signed_bytes: bytes) -> str | None:
    algorithm = info["signature_algorithm"]
    kind = algorithm.signature_algo
    try:
        hash_name = algorithm.hash_algo if kind != "rsassa_pss" else algorithm["parameters"]["hash_algorithm"]["algorithm"].native
    except ValueError:  # a bare ecdsa or rsaEncryption OID: the digest algorithm says which hash
        hash_name = digest_name
    if hash_name not in HASHES:
        return f"signature hash {hash_name} (expected SHA-256, -384 or -512)"
    chosen = HASHES[hash_name]()
    try:
        if kind == "ecdsa" and isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, signed_bytes, ec.ECDSA(chosen))
        elif kind == "rsassa_pkcs1v15" and isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, signed_bytes, padding.PKCS1v15(), chosen)
        elif kind == "rsassa_pss" and isinstance(key, rsa.RSAPublicKey):
            salt = algorithm["parameters"]["salt_length"].native
            key.verify(signature, signed_bytes, padding.PSS(padding.MGF1(chosen), salt), chosen)
        else:
            return f"signature algorithm {kind} with a {type(key).__name__} (expected ECDSA or RSA)"
    except (InvalidSignature, UnsupportedAlgorithm):
        return "the signature does not verify"
    return None
