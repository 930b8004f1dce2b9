"""The trust in force, as the operator page shows it: issuer keys, DCC signers, SHC issuers, revocations."""

from __future__ import annotations

import base64

from kiosk.credentials.trust import TrustStore, TrustStoreError
from kiosk.credentials.updates import current_sequence
from kiosk.config.schema import KioskConfig


def trust_summary(config: KioskConfig) -> dict[str, object]:
    root = config.credentials.trust_dir
    try:
        store = TrustStore.load(root)
    except TrustStoreError as err:
        return {"update_sequence": current_sequence(root), "error": str(err)}
    return {
        "update_sequence": current_sequence(root),
        "pass_issuer_keys": sorted(kid.hex() for kid in store.pass_keys),
        "dcc_signers": [
            {
                "kid": base64.b64encode(kid).decode(),
                "not_before": signer.not_before.isoformat(),
                "not_after": signer.not_after.isoformat(),
                "may_sign": sorted(signer.extended_key_usages) or ["any"],
            }
            for kid, signers in sorted(store.dcc_signers.items())
            for signer in signers
        ],
        "shc_issuers": [
            {"iss": issuer.iss, "keys": sorted(issuer.keys), "revoked_rids": sum(len(rids) for rids in issuer.revoked_rids.values())}
            for issuer in sorted(store.shc_issuers.values(), key=lambda issuer: issuer.iss)
        ],
        "revoked_certificates": len(store.revoked_sha256),
    }
