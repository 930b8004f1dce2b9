"""Storage timings: durable decision commits, enrolment, template loading, audit verification, erasure.

Runs in a temporary folder on the machine's own disk; an SD card on a Pi will be slower to fsync.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hardware.clock import SystemClock
from kiosk.storage import AuditKind, Consent, DecisionRecord, Storage, StorageConfig

DECISIONS = 300
PEOPLE = 1000
TEMPLATES_PER_PERSON = 6
AUDIT_RECORDS = 10_000


@dataclass(frozen=True)
class _Template:
    embedding: np.ndarray
    masked: bool
    variant: str


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 3)


def run() -> dict:
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "embeddings.key").write_bytes(rng.bytes(32))
        config = StorageConfig(path=root / "kiosk.db", device_key_file=root / "device.key", embeddings_key_file=root / "embeddings.key")
        with Storage.open(config, SystemClock()) as storage:
            commit_ms = []
            for index in range(DECISIONS):
                start = time.perf_counter()
                storage.events.record(DecisionRecord(time.time(), "north", "granted", ("credential-valid",), f"p{index}", False, None, ""))
                commit_ms.append(_ms(start))
            enrol_ms = []
            consent = Consent("entry", time.time(), time.time() + 86400, "bench")
            for person in range(PEOPLE):
                vectors = rng.standard_normal((TEMPLATES_PER_PERSON, 128)).astype(np.float32)
                templates = [_Template(v, i > 0, f"v{i}") for i, v in enumerate(vectors)]
                start = time.perf_counter()
                storage.people.enroll(f"person-{person}", templates, consent)
                enrol_ms.append(_ms(start))
            start = time.perf_counter()
            loaded = storage.people.load_templates()
            load_ms = _ms(start)
            with storage.db.transaction():
                for index in range(AUDIT_RECORDS - len(storage.audit.records())):
                    storage.audit.append(AuditKind.DOOR_OVERRIDE, {"index": index})
            start = time.perf_counter()
            report = storage.audit.verify()
            verify_ms = _ms(start)
            start = time.perf_counter()
            storage.people.forget("person-0")
            forget_ms = _ms(start)
    quantiles = statistics.quantiles(commit_ms, n=20)
    return {
        "decision_commit_ms": {"median": statistics.median(commit_ms), "p95": quantiles[18], "max": max(commit_ms), "n": DECISIONS},
        "enrol_ms_median": statistics.median(enrol_ms),
        "load_templates_ms": {"templates": len(loaded), "ms": load_ms},
        "audit_verify_ms": {"records": report.records, "ok": report.ok, "ms": verify_ms},
        "forget_ms_with_checkpoint": forget_ms,
    }
