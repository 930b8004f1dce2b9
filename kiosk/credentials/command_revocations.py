"""Revocations added by signed `revoke` commands: `<trust root>/revoked-by-command.json`, {"sha256": [hex, ...]}.

They sit beside the generations, outside the layout a signed trust update may write
(`kiosk.credentials.updates.ALLOWED_TOP_LEVEL`), so no update, however new or old, can undo one;
`TrustStore.load` adds them to whatever generation is in use. Only someone on the gate removes one.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

REVOKED_BY_COMMAND = "revoked-by-command.json"
SHA256_HEX = re.compile(r"[0-9a-f]{64}")


def add_revocation(root: Path, sha256: str) -> bool:
    """Add one revoked identifier's SHA-256 (64 lower-case hex digits); False when it was there already.

    Written whole to a temporary file, synced and renamed over the old one: a power cut leaves the
    old list or the new one, never half of either. Raises ValueError for anything but 64 hex digits.
    """
    if not SHA256_HEX.fullmatch(sha256):
        raise ValueError(f"revocation {sha256[:80]!r}: expected the SHA-256 of the identifier, 64 lower-case hex digits")
    path = root / REVOKED_BY_COMMAND
    known = read_revocations(path)
    if sha256 in known:
        return False
    temporary = path.with_name(path.name + ".new")
    with temporary.open("w", encoding="utf-8") as file:
        json.dump({"sha256": sorted(known | {sha256})}, file, indent=1)
        file.flush()
        os.fsync(file.fileno())
    os.replace(temporary, path)
    return True


def read_revocations(path: Path) -> frozenset[str]:
    """The hashes in `path` (none when it does not exist); raises ValueError naming the file when it is not such a list."""
    if not path.is_file():
        return frozenset()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValueError(f"trust file '{path}': {err} (expected readable JSON)") from err
    hashes = data.get("sha256") if isinstance(data, dict) else None
    if not isinstance(hashes, list) or not all(isinstance(h, str) and SHA256_HEX.fullmatch(h) for h in hashes):
        raise ValueError(f"trust file '{path}': expected {{\"sha256\": [64-hex-digit strings]}}")
    return frozenset(hashes)
