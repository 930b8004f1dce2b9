"""Every shared EU DCC conformance case gives its documented result (see ../shared/conformance/dcc/README.md)."""

from __future__ import annotations

import base64
import csv
import json
import os
from datetime import datetime, timezone
from pathlib import Path

import pytest

from kiosk.credentials import CredentialsConfig, CredentialVerifier, TrustStore

# Flag -> the stage a verifier names when that step fails.
FLAG_STAGES = {
    "EXPECTEDUNPREFIX": {"prefix"},
    "EXPECTEDB45DECODE": {"encoding"},
    "EXPECTEDCOMPRESSION": {"decompression"},
    "EXPECTEDDECODE": {"structure"},
    "EXPECTEDVERIFY": {"signature", "structure"},
    "EXPECTEDEXPIRATIONCHECK": {"validity-period"},
    "EXPECTEDKEYUSAGE": {"key-usage"},
    "EXPECTEDSCHEMAVALIDATION": {"schema"},
}
# known_issues.csv test names -> the flag they make unreliable.
KNOWN_ISSUE_FLAGS = {
    "test_cose_schema": "EXPECTEDSCHEMAVALIDATION",
    "test_verification_check": "EXPECTEDVERIFY",
    "test_expiration_check": "EXPECTEDEXPIRATIONCHECK",
    "test_expected_key_usage": "EXPECTEDKEYUSAGE",
    "test_cose_json": "EXPECTEDVALIDJSON",
    "test_cbor_json": "EXPECTEDVALIDJSON",
}
# Parametrisation happens before fixtures exist, so the shared folder is found the way conftest finds it.
DCC_ROOT = Path(os.environ.get("KIOSK_SHARED_DIR", Path(__file__).resolve().parents[4] / "shared")) / "conformance" / "dcc"


def _case_files() -> list[Path]:
    return sorted(DCC_ROOT.glob("*/2DCode/*/*.json")) if DCC_ROOT.is_dir() else []


def _expected_flags(case: dict) -> dict[str, bool]:
    results = case["EXPECTEDRESULTS"]
    results = results.get("EXPECTEDRESULTS", results)  # nested in a few upstream files
    return {flag: value for flag, value in results.items() if flag in FLAG_STAGES}


def _unreliable_flags(dcc_dir: Path, path: Path) -> set[str]:
    country, case_name = path.relative_to(dcc_dir).parts[0], path.stem
    with open(dcc_dir / "known_issues.csv", newline="") as file:
        rows = list(csv.DictReader(file))
    return {
        KNOWN_ISSUE_FLAGS[row["test_name"]]
        for row in rows
        if row["country"] == country and row["test_set"] in ("", case_name) and row["test_name"] in KNOWN_ISSUE_FLAGS
    }


def _clock(text: str) -> datetime:
    clock = datetime.fromisoformat(text)
    return clock if clock.tzinfo else clock.replace(tzinfo=timezone.utc)


@pytest.mark.parametrize("path", _case_files(), ids=lambda p: str(p.relative_to(DCC_ROOT)))
def test_conformance_case_gives_documented_result(path: Path, dcc_dir: Path) -> None:
    case = json.loads(path.read_text(encoding="utf-8"))
    context = case["TESTCTX"]
    flags = {f: v for f, v in _expected_flags(case).items() if f not in _unreliable_flags(dcc_dir, path)}
    trust = TrustStore.from_certificates([base64.b64decode(context["CERTIFICATE"])] if "CERTIFICATE" in context else [])

    verdict = CredentialVerifier(trust, CredentialsConfig()).verify(case["PREFIX"], _clock(context["VALIDATIONCLOCK"]))

    failing = [flag for flag, value in flags.items() if value is False]
    assert verdict.format == ("dcc" if case["PREFIX"].startswith("HC1:") else "unknown")
    if failing:
        assert not verdict.valid
        assert verdict.stage in set().union(*(FLAG_STAGES[flag] for flag in failing)), verdict
    else:
        assert verdict.valid, verdict
        assert verdict.subject_ref and verdict.valid_until is not None


def test_conformance_folder_has_every_documented_case(dcc_dir: Path) -> None:
    assert len(_case_files()) == 129
