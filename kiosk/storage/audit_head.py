"""The audit head file: the newest (seq, digest) of the chain, kept beside the database.

Deleting the newest audit records leaves a chain that is valid on its own; the head file is what
shows it was longer. Anyone who can delete records can also rewrite a plain head file to match,
so a keyed chain's head carries an HMAC under the device key: rewriting it needs the key. An
attacker who has the key, or who rolls back database and head together, is seen only off the
device, where every head is also published (`kiosk.storage.witness`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Head:
    seq: int
    digest: str


class HeadFileError(ValueError):
    """The head file exists but cannot be trusted: unreadable, malformed, or its MAC does not match."""


def head_path_for(database: Path) -> Path:
    return database.with_name(database.name + "-audit-head")


class HeadFile:
    def __init__(self, path: Path, key: bytes | None) -> None:
        self.path = path
        self._key = key

    def exists(self) -> bool:
        return self.path.exists()

    def read(self) -> Head | None:
        """The recorded head, or None when there is no head file; raises HeadFileError when it cannot be trusted."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as err:
            raise HeadFileError(f"head file {str(self.path)!r} cannot be read ({err.strerror or err})") from err
        try:
            fields = json.loads(raw.decode("utf-8"))
            head = Head(fields["seq"], fields["digest"])
            mac = fields.get("mac")
        except (UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError) as err:
            raise HeadFileError(f"head file {str(self.path)!r} is not a JSON object with seq and digest") from err
        if not (type(head.seq) is int and head.seq >= 0 and isinstance(head.digest, str)):
            raise HeadFileError(f"head file {str(self.path)!r}: seq {head.seq!r}, digest {head.digest!r} (expected a count and a hex digest)")
        if self._key is not None and not (isinstance(mac, str) and hmac.compare_digest(mac, _mac(self._key, head))):
            raise HeadFileError(f"head file {str(self.path)!r} was not written under this device key (its MAC does not match)")
        return head

    def write(self, head: Head) -> None:
        """Replace the head file atomically: it holds either the old head or the new one, never a torn one."""
        fields: dict[str, object] = {"seq": head.seq, "digest": head.digest}
        if self._key is not None:
            fields["mac"] = _mac(self._key, head)
        descriptor, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=self.path.name + ".")
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8") as file:
                json.dump(fields, file)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, self.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


def _mac(key: bytes, head: Head) -> str:
    return hmac.new(key, f"audit-head\0{head.seq}\0{head.digest}".encode(), hashlib.sha256).hexdigest()
