"""The OSDP secure-channel base key: read from a file, checked, and never put into a message."""

from __future__ import annotations

import string
from pathlib import Path

from hardware.errors import DeviceUnavailable

SCBK_BYTES = 16


class KeyFileError(DeviceUnavailable):
    """The SCBK file is missing, unreadable or not a 16-byte key; the message never holds the key."""


def read_scbk(path: Path | None) -> bytes:
    """The 16-byte key from `path` (32 hex digits, surrounding whitespace ignored)."""
    if path is None:
        raise KeyFileError("panel.osdp.scbk_file is not set (expected a file holding the secure-channel key as 32 hex digits)")
    try:
        text = path.read_text(encoding="ascii").strip()
    except OSError as err:
        raise KeyFileError(f"panel.osdp.scbk_file '{path}': {err.strerror or err} (expected a readable key file)") from err
    except UnicodeDecodeError as err:
        raise KeyFileError(f"panel.osdp.scbk_file '{path}': not text (expected 32 hex digits)") from err
    if len(text) != 2 * SCBK_BYTES or any(c not in string.hexdigits for c in text):
        raise KeyFileError(
            f"panel.osdp.scbk_file '{path}': {len(text)} characters that are not all hex digits"
            if len(text) == 2 * SCBK_BYTES
            else f"panel.osdp.scbk_file '{path}': {len(text)} characters (expected 32 hex digits, a 16-byte AES-128 key)"
        )
    return bytes.fromhex(text)
