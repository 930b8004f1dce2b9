"""The `[credentials]` config section: where trust comes from and what the gate accepts."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from hardware.settings import setting

FORMATS = ("dcc", "shc", "kiosk-pass")
DEFAULT_GATE_ID = "main-entrance"  # gate.gate_id's default; kiosk passes are checked against gate.gate_id


@dataclass(frozen=True)
class CredentialsConfig:
    moved_keys: ClassVar[dict[str, str]] = {"gate_id": "gate.gate_id"}  # the gate has one name, set once
    trust_dir: Path = setting(Path("/var/lib/kiosk/trust"), "directory of issuer keys, certificates and revocation lists")
    formats: list[str] = setting(list(FORMATS), "credential formats this gate accepts: 'dcc', 'shc', 'kiosk-pass'")
    clock_skew_s: float = setting(300.0, "tolerance for issuers' clocks running ahead of ours, seconds", min=0, max=3600)
    max_decompressed_bytes: int = setting(
        65536, "largest decompressed credential accepted (zip-bomb guard), bytes", min=1024, max=1_048_576
    )
    pass_prefix: str = setting("KP1:", "prefix of the kiosk's own static pass in a QR code")
    dynamic_pass_prefix: str = setting("KD1:", "prefix of the kiosk's own rotating (dynamic) pass in a QR code")
    dynamic_window_s: int = setting(10, "how long one rotating pass code stays valid, seconds", min=2, max=300)
    zone: str = setting("", "zone this gate guards, as kiosk passes list it; empty when the site has no zones")
    pseudonym_key_file: Path | None = setting(
        None, "file holding the HMAC key for subject pseudonyms (at least 16 bytes); unset: a new random key each start"
    )

    def validate(self) -> list[str]:
        problems = []
        for index, name in enumerate(self.formats):
            if name not in FORMATS:
                problems.append(f"formats[{index}] = {name!r}: expected one of {', '.join(map(repr, FORMATS))}")
        if self.pass_prefix == self.dynamic_pass_prefix:
            problems.append(f"dynamic_pass_prefix = {self.dynamic_pass_prefix!r}: must differ from pass_prefix")
        for name in ("pass_prefix", "dynamic_pass_prefix"):
            value = getattr(self, name)
            if not value or value.upper().startswith(("HC1:", "SHC:/")):
                problems.append(f"{name} = {value!r}: expected a short non-empty prefix other than 'HC1:' and 'shc:/'")
        return problems
