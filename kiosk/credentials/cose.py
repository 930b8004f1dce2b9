"""COSE_Sign1 (RFC 9052): parse, check the signature against a trusted key, and sign (Ed25519).

The algorithm comes from the message but must match the trusted key's type, so a message cannot
pick a weaker or different algorithm for a key (algorithm confusion): ES256 needs a P-256 key,
PS256 an RSA key, EdDSA an Ed25519 key. Anything else, including "no algorithm", is refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import cbor2
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from kiosk.credentials.verdict import Rejected

TAG_COSE_SIGN1 = 18
TAG_CWT = 61
HEADER_ALG = 1
HEADER_KID = 4
ES256 = -7
EDDSA = -8
PS256 = -37
ALGORITHM_NAMES = {ES256: "ES256", EDDSA: "EdDSA", PS256: "PS256"}

PublicKey = ec.EllipticCurvePublicKey | rsa.RSAPublicKey | ed25519.Ed25519PublicKey


@dataclass(frozen=True)
class CoseSign1:
    protected_bytes: bytes
    protected: dict[Any, Any]
    unprotected: dict[Any, Any]
    payload: bytes
    signature: bytes

    @property
    def kid(self) -> bytes | None:
        """The key id: from the protected header when present there, else from the unprotected one."""
        kid = self.protected.get(HEADER_KID, self.unprotected.get(HEADER_KID))
        return kid if isinstance(kid, bytes) else None

    @property
    def algorithm(self) -> Any:
        return self.protected.get(HEADER_ALG, self.unprotected.get(HEADER_ALG))

    def signed_bytes(self) -> bytes:
        """The Sig_structure the signature covers (context "Signature1", no external data)."""
        return cbor2.dumps(["Signature1", self.protected_bytes, b"", self.payload])


def loads_cbor(data: bytes, what: str) -> Any:
    """Decode CBOR, turning every decoder failure into a structure rejection."""
    try:
        return cbor2.loads(data)
    except (cbor2.CBORDecodeError, ValueError, TypeError, OverflowError, RecursionError, MemoryError) as err:
        raise Rejected("structure", "bad-cbor", f"The {what} is not well-formed.") from err


def parse_sign1(data: bytes) -> CoseSign1:
    """Parse a COSE_Sign1, tagged (18, optionally inside CWT tag 61) or untagged."""
    item = loads_cbor(data, "signed credential")
    if isinstance(item, cbor2.CBORTag) and item.tag == TAG_CWT:
        item = item.value
    if isinstance(item, cbor2.CBORTag):
        if item.tag != TAG_COSE_SIGN1:
            raise Rejected("structure", "not-cose-sign1", "The credential is not a single-signer COSE message.")
        item = item.value
    # Arrays inside a tag decode as tuples and maps as frozen mappings.
    if not (isinstance(item, (list, tuple)) and len(item) == 4):
        raise Rejected("structure", "not-cose-sign1", "The credential is not a single-signer COSE message.")
    protected_bytes, unprotected, payload, signature = item
    if not (isinstance(protected_bytes, bytes) and isinstance(unprotected, Mapping)):
        raise Rejected("structure", "bad-cose-headers", "The credential's headers are malformed.")
    if not (isinstance(payload, bytes) and isinstance(signature, bytes)):
        raise Rejected("structure", "bad-cose-payload", "The credential's content or signature is missing.")
    protected = loads_cbor(protected_bytes, "credential header") if protected_bytes else {}
    if not isinstance(protected, Mapping):
        raise Rejected("structure", "bad-cose-headers", "The credential's headers are malformed.")
    return CoseSign1(protected_bytes, dict(protected), dict(unprotected), payload, signature)


def check_signature(message: CoseSign1, key: PublicKey) -> None:
    """Raise Rejected unless the message's signature verifies with `key` under an algorithm fitting the key."""
    algorithm = message.algorithm
    data = message.signed_bytes()
    try:
        if algorithm == ES256 and isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1):
            if len(message.signature) != 64:
                raise InvalidSignature
            der = encode_dss_signature(
                int.from_bytes(message.signature[:32], "big"), int.from_bytes(message.signature[32:], "big")
            )
            key.verify(der, data, ec.ECDSA(hashes.SHA256()))
        elif algorithm == PS256 and isinstance(key, rsa.RSAPublicKey):
            pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.AUTO)
            key.verify(message.signature, data, pss, hashes.SHA256())
        elif algorithm == EDDSA and isinstance(key, ed25519.Ed25519PublicKey):
            key.verify(message.signature, data)
        else:
            name = ALGORITHM_NAMES.get(algorithm, repr(algorithm)[:20])
            raise Rejected(
                "signature", "algorithm-not-allowed", f"The signing algorithm {name} is not allowed for this issuer's key."
            )
    except InvalidSignature as err:
        raise Rejected("signature", "bad-signature", "The signature does not match: the code was altered or forged.") from err


def sign1(payload: bytes, private_key: ed25519.Ed25519PrivateKey, kid: bytes) -> bytes:
    """A tagged COSE_Sign1 over `payload`, signed with EdDSA (Ed25519), `kid` in the protected header."""
    protected_bytes = cbor2.dumps({HEADER_ALG: EDDSA, HEADER_KID: kid})
    unsigned = CoseSign1(protected_bytes, {}, {}, payload, b"")
    signature = private_key.sign(unsigned.signed_bytes())
    return cbor2.dumps(cbor2.CBORTag(TAG_COSE_SIGN1, [protected_bytes, {}, payload, signature]))
