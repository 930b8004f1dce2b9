"""The privacy report: what is stored, why, for how long, where it goes and what never is, from the live system."""

from __future__ import annotations

import datetime
import json
from dataclasses import asdict, dataclass
from typing import Any

from kiosk.config.schema import KioskConfig
from kiosk.storage.audit import AuditKind, AuditLog
from kiosk.storage.captures import DebugCapture
from kiosk.storage.database import Database
from kiosk.storage.keys import read_key

_Span = tuple[int, float | None, float | None]  # how many, oldest, newest (epoch s)


@dataclass(frozen=True)
class StoredData:
    """One kind of stored data: what it holds, why, how long, and how much there is now."""

    name: str
    tables: tuple[str, ...]
    contents: str
    purpose: str
    kept_for: str
    count: int
    oldest: float | None
    newest: float | None


@dataclass(frozen=True)
class Destination:
    name: str
    where: str
    what: str


@dataclass(frozen=True)
class Principle:
    name: str
    mechanism: str


@dataclass(frozen=True)
class PrivacyReport:
    generated_at: float
    controller: str
    purpose: str
    database: str
    database_exists: bool
    audit: str
    stored: list[StoredData]
    shared: list[Destination]
    never_stored: list[str]
    principles: list[Principle]
    warnings: list[str]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def config_warnings(config: KioskConfig) -> list[str]:
    """Settings that weaken privacy; the gate logs these at start-up and the report lists them."""
    storage, warnings = config.storage, []
    if storage.debug_capture_hours:
        capture = DebugCapture(storage.debug_capture_dir, storage.debug_capture_hours)
        warnings.append(f"{capture.notice()} (storage.debug_capture_hours)")
    if storage.embeddings_key_file is None:
        warnings.append("face embeddings are stored unencrypted (set storage.embeddings_key_file to encrypt them)")
    if storage.record_temperature_values:
        warnings.append("temperature values in °C are stored with decisions (storage.record_temperature_values)")
    if not storage.audit_hmac:
        warnings.append("the audit chain uses plain SHA-256: anyone with the file can rebuild it (storage.audit_hmac)")
    if not config.privacy.controller:
        warnings.append("no data controller is named (privacy.controller)")
    return warnings


def build_report(config: KioskConfig, now: float) -> PrivacyReport:
    """Read the config and, when it exists, the database at `storage.path` (never created here)."""
    exists = config.storage.path.is_file()
    counts: dict[str, _Span] = {}
    expiries: tuple[float | None, float | None] = (None, None)
    exports = 0
    audit = "no database yet"
    if exists:
        with Database.open(config.storage.path, create=False) as db:
            audit = _audit_status(db, config)
            counts = _counts(db)
            expiries = db.connection.execute("SELECT min(expires_at), max(expires_at) FROM consents").fetchone()
            exports = db.connection.execute("SELECT count(*) FROM audit_log WHERE kind = ?", (AuditKind.EXPORT,)).fetchone()[0]
    return PrivacyReport(
        generated_at=now,
        controller=config.privacy.controller or "(not named)",
        purpose=config.privacy.purpose,
        database=str(config.storage.path),
        database_exists=exists,
        audit=audit,
        stored=_stored(config, counts, expiries),
        shared=_shared(config, exports),
        never_stored=_never_stored(config),
        principles=_principles(config),
        warnings=config_warnings(config),
    )


def _audit_status(db: Database, config: KioskConfig) -> str:
    storage = config.storage
    if storage.audit_hmac and not storage.device_key_file.is_file():
        return f"not verified: device key {storage.device_key_file} is missing"
    report = AuditLog(db, read_key(storage.device_key_file) if storage.audit_hmac else None).verify()
    if report.ok:
        return f"intact, {report.records} records"
    return f"BROKEN: {report.problem}"


def _counts(db: Database) -> dict[str, _Span]:
    queries = {
        "events": "SELECT count(*), min(at), max(at) FROM events",
        "people": "SELECT count(*), min(enrolled_at), max(enrolled_at) FROM people",
        "templates": "SELECT count(*), NULL, NULL FROM templates",
        "audit_log": "SELECT count(*), min(at), max(at) FROM audit_log",
    }
    return {name: db.connection.execute(sql).fetchone() for name, sql in queries.items()}


def _stored(config: KioskConfig, counts: dict[str, _Span], expiries: tuple[float | None, float | None]) -> list[StoredData]:
    storage, purpose = config.storage, config.privacy.purpose
    temperature = "temperature in °C and above/below the threshold" if storage.record_temperature_values else "temperature as above/below the threshold only"
    encryption = "encrypted with AES-256-GCM" if storage.embeddings_key_file else "NOT encrypted"
    expiry = (
        f"until consent expires (earliest {_time(expiries[0])}, latest {_time(expiries[1])}) or 'kiosk people forget'"
        if expiries[0] is not None else "until consent expires or 'kiosk people forget'"
    )
    empty = (0, None, None)
    stored = [
        StoredData(
            "decision events", ("events",),
            f"time, gate, verdict, reason codes, {temperature}, and keyed pseudonyms (HMAC-SHA256 under the device key)"
            " of the subject and of the credential's holder, which 'kiosk people forget' removes",
            f"{purpose}: accountability for each decision",
            f"{storage.retention_days:g} days, purged at start-up and hourly (storage.retention_days)",
            *counts.get("events", empty),
        ),
        StoredData(
            "enrolled people and consents", ("people", "consents"),
            "person id (a pseudonymous code of lowercase letters, digits and dashes: enrolment refuses a name written as"
            " a name, such as 'Alice Smith', but cannot tell whether a code spells one), enrolment time,"
            " consent (purpose, given at, expires at, recorded by: the staff member who recorded it)",
            f"{purpose}: recognising enrolled people, only with their consent",
            expiry,
            *counts.get("people", empty),
        ),
        StoredData(
            "face templates", ("templates",),
            f"128-number face embeddings, {encryption}; never photos",
            f"{purpose}: matching a face to an enrolled person",
            "with the person's enrolment",
            *counts.get("templates", empty),
        ),
        StoredData(
            "audit log", ("audit_log",),
            "what happened, never who: decisions (verdict, reason codes), enrolments, erasures, purges, exports, config changes, trust-list updates, door overrides",
            "evidence that the kiosk followed its rules; tamper-evident (hash chain)",
            "the life of the device (append-only)",
            *counts.get("audit_log", empty),
        ),
    ]
    if storage.debug_capture_hours:
        frames = DebugCapture(storage.debug_capture_dir, storage.debug_capture_hours).frames()
        stored.append(StoredData(
            "debug capture frames", (), f"camera images in {storage.debug_capture_dir}", "debugging the camera and face pipeline",
            f"{storage.debug_capture_hours:g} hours (storage.debug_capture_hours)",
            len(frames), frames[0][0] if frames else None, frames[-1][0] if frames else None,
        ))
    return stored


def _shared(config: KioskConfig, exports: int) -> list[Destination]:
    privacy = config.privacy
    shared = []
    if privacy.mqtt_broker:
        shared.append(Destination(
            "MQTT broker", f"{privacy.mqtt_broker}, topic {privacy.mqtt_topic!r}",
            f"each decision's {', '.join(privacy.mqtt_fields)}, with a random message id and the event number; never the subject pseudonym",
        ))
    head_to = [f"syslog socket {config.storage.audit_syslog}"] if config.storage.audit_syslog else []
    if privacy.mqtt_broker:
        head_to.append(f"MQTT topic 'kiosk/{config.gate.gate_id}/state/audit_head' (retained)")
    if head_to:
        shared.append(Destination(
            "audit head", "; ".join(head_to),
            "the audit chain's newest sequence number and digest after each commit, so a rollback shows off the device;"
            " no personal data",
        ))
    shared.append(Destination(
        "operator exports", "files an operator writes with 'kiosk events export'",
        f"stored decision events on request; every export is audited ({exports} so far)",
    ))
    return shared


def _never_stored(config: KioskConfig) -> list[str]:
    storage = config.storage
    never = [
        "names, credential identifiers, birth dates or other credential contents from credentials",
        "subject references in clear (only device-keyed pseudonyms)",
        "the person's identity in the audit log",
        "the message shown to the person (it may name them)",
    ]
    if not storage.debug_capture_hours:
        never.insert(0, "face photos or camera frames (not in the database, not in logs)")
    if not storage.record_temperature_values:
        never.append("temperature values")
    return never


def _principles(config: KioskConfig) -> list[Principle]:
    storage, privacy = config.storage, config.privacy
    sharing = (
        f"only {', '.join(privacy.mqtt_fields)} go to {privacy.mqtt_broker}" if privacy.mqtt_broker else "no destination is configured"
    )
    encryption = "AES-256-GCM encrypted embeddings" if storage.embeddings_key_file else "embeddings NOT encrypted (no key file)"
    chain = "HMAC-SHA256" if storage.audit_hmac else "SHA-256"
    return [
        Principle("data minimisation", "decisions keep verdict, reason codes and a keyed pseudonym; temperature "
                  + ("values by configuration" if storage.record_temperature_values else "as above/below only")
                  + "; embeddings only, never photos"),
        Principle("purpose limitation", f"one declared purpose ({privacy.purpose!r}); enrolment refused without a consent record naming its purpose"),
        Principle("temporary storage", f"events purged after {storage.retention_days:g} days at start-up and hourly; enrolments erased when consent expires"
                  + (f"; debug frames after {storage.debug_capture_hours:g} h" if storage.debug_capture_hours else "")),
        Principle("transparency", "this report, generated from the live config and database; 'kiosk audit verify'; start-up notices"),
        Principle("security", f"synchronous SQLite commits (WAL); {encryption}; {chain} audit chain with a head file;"
                  " secure delete and WAL checkpoint on erasure; database, key and frame files readable by their owner only"),
        Principle("restricted sharing", f"no personal data leaves the device unless privacy.mqtt_broker is set: {sharing};"
                  " exports are audited; the audit head (a sequence number and a digest) is published"),
    ]


def _time(epoch_s: float | None) -> str:
    if epoch_s is None:
        return "-"
    return datetime.datetime.fromtimestamp(epoch_s, datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ")


def render_text(report: PrivacyReport) -> str:
    lines = [
        f"Privacy report, {_time(report.generated_at)}",
        f"Controller: {report.controller}",
        f"Purpose: {report.purpose}",
        f"Database: {report.database}" + ("" if report.database_exists else " (not created yet)"),
        f"Audit log: {report.audit}",
        "",
        "Stored:",
    ]
    for data in report.stored:
        lines += [
            f"  {data.name} [{', '.join(data.tables) or 'files'}]: {data.count} (oldest {_time(data.oldest)}, newest {_time(data.newest)})",
            f"    holds: {data.contents}",
            f"    for: {data.purpose}",
            f"    kept: {data.kept_for}",
        ]
    lines += ["", "Leaves the device:"]
    lines += [f"  {d.name}: {d.where}: {d.what}" for d in report.shared]
    lines += ["", "Never stored:"] + [f"  {item}" for item in report.never_stored]
    lines += ["", "Principles:"] + [f"  {p.name}: {p.mechanism}" for p in report.principles]
    if report.warnings:
        lines += ["", "Warnings:"] + [f"  {warning}" for warning in report.warnings]
    return "\n".join(lines) + "\n"


def render_json(report: PrivacyReport) -> str:
    return json.dumps(report.as_dict(), indent=2, ensure_ascii=False) + "\n"
