"""Signed, offline, explainable credential verification: EU DCC, SMART Health Cards, the kiosk's own pass.

The gate calls `CredentialVerifier(trust_store, config).verify(text, at)` and gets a `Verification`;
chunked SMART Health Cards go through a `ShcChunkAssembler` first.
"""

from kiosk.credentials.config import CredentialsConfig
from kiosk.credentials.shc import ShcChunkAssembler
from kiosk.credentials.trust import TrustStore, TrustStoreError
from kiosk.credentials.verdict import STAGES, Verification
from kiosk.credentials.verifier import CredentialVerifier

__all__ = [
    "STAGES",
    "CredentialVerifier",
    "CredentialsConfig",
    "ShcChunkAssembler",
    "TrustStore",
    "TrustStoreError",
    "Verification",
]
