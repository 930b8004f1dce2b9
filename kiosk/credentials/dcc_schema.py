"""EU DCC payload validation against the published JSON schema of the payload's version.

The schema files in `dcc_schemas/` are the eHealth Network's `DGC/DCC.combined-schema.json` releases
(ehn-dcc-development/eu-dcc-schema, Apache-2.0, see dcc_schemas/LICENSE and README.md). A payload is
checked against the newest vendored release not newer than its `ver` with the same major version
(1.3.2 -> 1.3.0, 1.2.0 -> 1.1.0); 1.0.x payloads, older than every vendored release, are checked
against 1.1.0, whose rules differ from 1.0's only in also allowing a partial birth date. As in the EU reference tests, `format` keywords are annotations,
not assertions. On top of the schema, a certificate must be of exactly one type: one of the v, t
and r groups (how many entries that group may hold is the schema version's rule: one from 1.3.0).
"""

from __future__ import annotations

import json
import re
from functools import cache
from importlib import resources
from typing import Any

import jsonschema

from kiosk.credentials.verdict import Rejected

SCHEMA_FILES = {
    (1, 1, 0): "DGC.combined-schema-1.1.0.json",
    (1, 2, 1): "DCC.combined-schema-1.2.1.json",
    (1, 3, 0): "DCC.combined-schema-1.3.0.json",
}
ENTRY_GROUPS = ("v", "t", "r")
_VERSION = re.compile(r"(\d+)\.(\d+)\.(\d+)")


def check_payload(payload: Any) -> str:
    """Validate a health certificate; return its type ("v", "t" or "r") or raise Rejected at the schema stage."""
    if not isinstance(payload, dict):
        raise Rejected("schema", "not-an-object", "The certificate's content is not a record.")
    version = payload.get("ver")
    match = _VERSION.fullmatch(version) if isinstance(version, str) else None
    if match is None:
        raise Rejected("schema", "bad-version", "The certificate does not state a valid schema version.")
    validator = _validator_for(tuple(int(part) for part in match.groups()))
    if validator is None:
        raise Rejected("schema", "unknown-version", f"Certificates of schema version {version} are not supported.")
    error = jsonschema.exceptions.best_match(validator.iter_errors(payload))
    if error is not None:
        where = "/".join(str(part) for part in error.absolute_path) or "the certificate"
        raise Rejected("schema", "schema-violation", f"The certificate's content is invalid at {where}.")
    groups = [group for group in ENTRY_GROUPS if group in payload]
    if len(groups) != 1:
        raise Rejected("schema", "not-one-type", "A certificate must be one of vaccination, test or recovery.")
    return groups[0]


def _validator_for(version: tuple[int, ...]) -> jsonschema.Draft202012Validator | None:
    same_major = sorted(known for known in SCHEMA_FILES if known[0] == version[0])
    if not same_major:
        return None
    older = [known for known in same_major if known <= version]
    return _load(older[-1] if older else same_major[0])


@cache
def _load(version: tuple[int, int, int]) -> jsonschema.Draft202012Validator:
    text = resources.files("kiosk.credentials").joinpath("dcc_schemas").joinpath(SCHEMA_FILES[version]).read_text(encoding="utf-8")
    return jsonschema.Draft202012Validator(json.loads(text))
