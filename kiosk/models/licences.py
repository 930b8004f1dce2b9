"""The licence notice written beside each fetched model file: what it is, where it came from, and the licence text."""

from __future__ import annotations

from kiosk.errors import KioskError
from kiosk.models.manifest import ModelSpec, data_dir

NOTICE_SUFFIX = ".licence.txt"


class LicenceError(KioskError, ValueError):
    """The manifest names a licence whose text the project does not ship."""


def licence_text(spec: ModelSpec) -> str:
    """The full licence text for `spec`, with its copyright line where the licence has a place for one."""
    path = data_dir() / f"licence-{spec.licence.spdx}.txt"
    if not path.is_file():
        raise LicenceError(
            f"model '{spec.name}': licence '{spec.licence.spdx}' has no text in {path.parent} "
            "(expected one of the permissive licences the project checked: MIT, Apache-2.0)"
        )
    return path.read_text(encoding="utf-8").replace("{copyright}", spec.licence.copyright)


def notice(spec: ModelSpec, obtained: str) -> str:
    """The notice for `spec`: model, sha256, licence (SPDX and copyright), how it was obtained and its provenance, then the licence text."""
    header = [
        f"{spec.file} (model '{spec.name}', sha256 {spec.sha256})",
        f"Licence: {spec.licence.spdx}; {spec.licence.copyright}",
        f"Obtained: {obtained}",
        f"Provenance: {spec.provenance}",
    ]
    return "\n".join(header) + "\n\n" + licence_text(spec)
