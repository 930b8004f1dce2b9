"""`kiosk privacy|audit|events|people|storage ...`: reports, verification, export, enrolment and erasure."""

from __future__ import annotations

import argparse
import datetime
import json
import re
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kiosk.cli import EXIT_FAILED, EXIT_OK, Command
from kiosk.config import KioskConfig, load_config
from kiosk.storage.export import export_row, iso, write_export
from kiosk.errors import UsageError
from kiosk.wording import counted

if TYPE_CHECKING:
    from kiosk.storage import Person, Storage

_DURATION = re.compile(r"(\d+(?:\.\d+)?)([smhd])")
_UNIT_S = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def _config(args: argparse.Namespace) -> KioskConfig:
    return load_config(KioskConfig, args.config) if args.config else KioskConfig()


def _with_config(add: Callable[[argparse.ArgumentParser], None] | None = None) -> Callable[[argparse.ArgumentParser], None]:
    def add_arguments(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--config", metavar="FILE", help="kiosk TOML config (default: built-in defaults)")
        if add:
            add(parser)
    return add_arguments


def _parse_time(text: str, now: float) -> float:
    """Epoch seconds from an ISO 8601 date or time (UTC unless it says otherwise), epoch seconds, or an age like '7d'."""
    age = _DURATION.fullmatch(text)
    if age:
        return now - float(age.group(1)) * _UNIT_S[age.group(2)]
    try:
        return float(text)
    except ValueError:
        pass
    try:
        moment = datetime.datetime.fromisoformat(text)
    except ValueError as err:
        raise UsageError(
            f"time {text!r}: expected an ISO date or time (2026-01-31, 2026-01-31T08:00Z), epoch seconds, or an age (90m, 12h, 7d)"
        ) from err
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.timezone.utc)
    return moment.timestamp()


def _device_key(config: KioskConfig) -> bytes:
    from kiosk.storage import read_key

    return read_key(config.storage.device_key_file)


# privacy report

def _privacy_report(args: argparse.Namespace) -> int:
    from kiosk.privacy.report import build_report, render_json, render_text

    report = build_report(_config(args), time.time())
    sys.stdout.write(render_json(report) if args.json else render_text(report))
    return EXIT_OK


def _json_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")


# audit verify

def _audit_verify(args: argparse.Namespace) -> int:
    from kiosk.storage import AuditLog, Database

    config = _config(args)
    with Database.open(config.storage.path, create=False) as db:
        report = AuditLog(db, _device_key(config) if config.storage.audit_hmac else None).verify()
    if args.json:
        print(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
    elif report.ok:
        since = f"; a new chain since the reset at record {report.reset_at}" if report.reset_at else ""
        print(f"audit log intact: {report.records} records ({'HMAC-SHA256' if report.keyed else 'SHA-256'} chain{since})")
    else:
        where = f" at record {report.first_broken}" if report.first_broken else ""
        print(f"audit log broken{where}: {report.problem}")
        if report.broken_record:
            print(f"  {json.dumps(report.broken_record.as_dict(), ensure_ascii=False)}")
    return EXIT_OK if report.ok else EXIT_FAILED


# audit reset-chain

def _reset_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--reason", required=True, help="who decided to start a new chain, and why (kept in its first record)")


def _audit_reset_chain(args: argparse.Namespace) -> int:
    from kiosk.storage import AuditLog, Database, DatabaseLock
    from kiosk.storage.witness import witnesses_for

    config = _config(args)
    if not args.reason.strip():
        raise UsageError("--reason is empty: say who decided to start a new audit chain, and why")
    audit_key = _device_key(config) if config.storage.audit_hmac else None
    with DatabaseLock.acquire(config.storage.path), Database.open(config.storage.path) as db:
        try:
            report = AuditLog(db, audit_key, witnesses=witnesses_for(config.storage)).reset_chain(args.reason)
        except ValueError as err:
            raise UsageError(f"--reason {args.reason!r}: {err}") from err
    print(f"new audit chain from record {report.reset_at}: it records the reason, the old head and where the old chain broke")
    return EXIT_OK


# events export

def _export_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--since", required=True, metavar="WHEN", help="first time to include: ISO date/time, epoch seconds, or an age like 7d")
    parser.add_argument("--until", metavar="WHEN", help="time to stop before (default: now)")
    parser.add_argument("--format", choices=("jsonl", "csv"), default="jsonl", help="one JSON object per line, or CSV with a header")
    parser.add_argument("--output", metavar="FILE", help="write here instead of standard output")
    parser.add_argument("--despite-broken-audit", action="store_true",
                        help="export even when the audit chain does not verify (the export's audit record says so)")


def _events_export(args: argparse.Namespace) -> int:
    from kiosk.storage import AuditKind, AuditLog, Database, EventStore

    config = _config(args)
    now = time.time()
    since = _parse_time(args.since, now)
    until = _parse_time(args.until, now) if args.until else now
    device_key = _device_key(config)
    with Database.open(config.storage.path, create=False) as db:
        audit = AuditLog(db, device_key if config.storage.audit_hmac else None)
        chain = audit.verify()
        if not chain.ok and not args.despite_broken_audit:
            where = f" at record {chain.first_broken}" if chain.first_broken else ""
            print(f"kiosk: not exported: the audit log is broken{where} ({chain.problem}), so these events cannot be "
                  "shown to be complete and unaltered; see 'kiosk audit verify', or pass --despite-broken-audit",
                  file=sys.stderr)
            return EXIT_FAILED
        rows = [export_row(event.as_dict()) for event in EventStore(db, device_key, audit=audit).events(since, until)]
        if args.output:
            with open(args.output, "w", encoding="utf-8", newline="") as file:
                write_export(rows, args.format, file)
        else:
            write_export(rows, args.format, sys.stdout)
        audit.append(AuditKind.EXPORT, {"events": len(rows), "format": args.format, "since": since, "until": until,
                                        "audit_chain_intact": chain.ok})
    print(f"exported {len(rows)} events", file=sys.stderr)
    return EXIT_OK


# people

def _open_storage(config: KioskConfig) -> Storage:
    from hardware.clock import SystemClock
    from kiosk.storage import Storage

    return Storage.open(config.storage, SystemClock())


def _people_list(args: argparse.Namespace) -> int:
    config = _config(args)
    if not config.storage.path.is_file():
        people = []
    else:
        storage = _open_storage(config)
        try:
            people = storage.people.list_people()
        finally:
            storage.close()
    if args.json:
        print(json.dumps([_person_dict(person) for person in people], indent=2, ensure_ascii=False))
        return EXIT_OK
    for person in people:
        consent = person.consent
        print(f"{person.person_id}\t{counted(person.templates, 'template')}\tconsent until {iso(consent.expires_at)}"
              f"\tfor {consent.purpose!r}\trecorded by {consent.recorded_by}")
    print(f"{len(people)} enrolled", file=sys.stderr)
    return EXIT_OK


def _person_dict(person: Person) -> dict[str, Any]:
    consent = person.consent
    return {
        "person_id": person.person_id,
        "enrolled_at": iso(person.enrolled_at),
        "templates": person.templates,
        "consent": {"purpose": consent.purpose, "given_at": iso(consent.given_at),
                    "expires_at": iso(consent.expires_at), "recorded_by": consent.recorded_by},
    }


def _forget_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("person_id", metavar="ID", help="the enrolled person's id")


def _people_forget(args: argparse.Namespace) -> int:
    storage = _open_storage(_config(args))
    try:
        erasure = storage.people.forget(args.person_id)
    finally:
        storage.close()
    if not erasure.erased_anything:
        print(f"nothing stored about {args.person_id!r}: no enrolment and no linked events", file=sys.stderr)
        return EXIT_FAILED
    print(f"erased {args.person_id!r}: enrolment {'removed' if erasure.person_found else 'absent'},"
          f" {counted(erasure.templates, 'template')}, {counted(erasure.events_unlinked, 'event')} unlinked")
    return EXIT_OK


def _enroll_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("person_id", metavar="ID",
                        help="pseudonymous id: lowercase letters, digits and dashes, the subject id their pass carries; never a name")
    parser.add_argument("images", metavar="IMAGE", nargs="+", type=Path, help="face photos, one face each; read, never stored")
    parser.add_argument("--consent", metavar="RECORDED_BY",
                        help="required: who recorded the person's consent (enrolment is refused without it)")
    parser.add_argument("--purpose", help="what the consent covers (default: privacy.purpose)")
    parser.add_argument("--valid-days", type=float, metavar="DAYS", help="how long the consent lasts (default and maximum: storage.consent_max_days)")
    parser.add_argument("--replace", action="store_true", help="replace the templates and consent of an id already enrolled")
    parser.add_argument("--face", type=int, metavar="N", help="with one IMAGE showing several people: enrol face N, counted from the left")
    parser.add_argument("--models-dir", type=Path, metavar="DIR", help="face models folder for the face pipeline")


def _people_enroll(args: argparse.Namespace) -> int:
    from kiosk.storage import Consent

    config = _config(args)
    days = _consent_days(args, config, "enrolment", "enrolment of")
    if args.face is not None and (len(args.images) != 1 or args.face < 1):
        raise UsageError(f"--face {args.face}: expected a face number from 1 and exactly one IMAGE ({len(args.images)} given)")
    missing = [str(path) for path in args.images if not path.is_file()]
    if missing:
        raise UsageError(f"image(s) {', '.join(missing)}: no such file (expected face photos)")
    templates = templates_for_images(config, args.images, args.models_dir, args.face)
    now = time.time()
    consent = Consent(args.purpose or config.privacy.purpose, now, now + days * 86400, args.consent)
    storage = _open_storage(config)
    try:
        storage.people.enroll(args.person_id, templates, consent, replace=args.replace)
    except ValueError as err:
        raise UsageError(f"enrolment of {args.person_id!r} refused: {err}") from err
    finally:
        storage.close()
    print(f"{'re-enrolled' if args.replace else 'enrolled'} {args.person_id!r}: {counted(len(templates), 'template')},"
          f" consent until {iso(consent.expires_at)}")
    return EXIT_OK


def _consent_days(args: argparse.Namespace, config: KioskConfig, action: str, action_for: str) -> float:
    """Check the id, the consent and its validity given to `people enroll` / `renew-consent`; the days it lasts."""
    from kiosk.storage.people import person_id_problem

    problem = person_id_problem(args.person_id)
    if problem:
        raise UsageError(f"{action} refused: {problem}")
    if not args.consent or not args.consent.strip():
        raise UsageError(f"{action_for} {args.person_id!r} refused: no consent recorded (pass --consent NAME of who recorded it)")
    days = args.valid_days if args.valid_days is not None else config.storage.consent_max_days
    if not 0 < days <= config.storage.consent_max_days:
        raise UsageError(f"--valid-days {days:g}: expected more than 0 and at most {config.storage.consent_max_days} (storage.consent_max_days)")
    return float(days)


def _renew_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("person_id", metavar="ID", help="the enrolled person's id")
    parser.add_argument("--consent", metavar="RECORDED_BY", help="required: who recorded the person's renewed consent")
    parser.add_argument("--purpose", help="what the consent covers (default: the purpose consented to before)")
    parser.add_argument("--valid-days", type=float, metavar="DAYS",
                        help="how long the renewed consent lasts from now (default and maximum: storage.consent_max_days)")


def _people_renew_consent(args: argparse.Namespace) -> int:
    from kiosk.storage import Consent

    config = _config(args)
    days = _consent_days(args, config, "renewal", "renewal for")
    if not config.storage.path.is_file():
        raise UsageError(f"storage.path '{config.storage.path}': no database (expected one with {args.person_id!r} enrolled)")
    storage = _open_storage(config)
    try:
        current = next((person for person in storage.people.list_people() if person.person_id == args.person_id), None)
        if current is None:
            print(f"{args.person_id!r} is not enrolled: nothing to renew ('kiosk people list' shows who is)", file=sys.stderr)
            return EXIT_FAILED
        now = time.time()
        consent = Consent(args.purpose or current.consent.purpose, now, now + days * 86400, args.consent)
        try:
            storage.people.renew_consent(args.person_id, consent)
        except ValueError as err:
            raise UsageError(f"renewal for {args.person_id!r} refused: {err}") from err
    finally:
        storage.close()
    print(f"renewed the consent of {args.person_id!r} until {iso(consent.expires_at)} for {consent.purpose!r}")
    return EXIT_OK


def templates_for_images(config: KioskConfig, paths: Sequence[Path], models_dir: Path | None, face: int | None = None) -> list[Any]:
    """Face templates for the photos at `paths`: each photo plus its synthetic-mask variants."""
    from kiosk.images import read_image
    from kiosk.vision import FacePipeline

    images = [read_image(path) for path in paths]
    return FacePipeline(config.vision, models_dir).enrollment_templates(images, [str(path) for path in paths], face)


# storage keygen

def _keygen_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, help="where to write the key (refuses to overwrite)")


def _storage_keygen(args: argparse.Namespace) -> int:
    from kiosk.storage import create_key

    create_key(args.file)
    print(f"wrote a new 32-byte key to {args.file} (readable by its owner only)")
    return EXIT_OK


COMMANDS = [
    Command(("privacy", "report"), "what is stored, why, how long, where it goes: from the live config and database",
            _privacy_report, _with_config(_json_flag)),
    Command(("audit", "verify"), "check the audit chain; exits 1 and names the first broken record", _audit_verify, _with_config(_json_flag)),
    Command(("audit", "reset-chain"), "start a new audit chain after a broken one or a lost database (itself audited)",
            _audit_reset_chain, _with_config(_reset_arguments)),
    Command(("events", "export"), "write stored decision events as JSON lines or CSV (the export is audited)",
            _events_export, _with_config(_export_arguments)),
    Command(("people", "list"), "list enrolled people with their consent", _people_list, _with_config(_json_flag)),
    Command(("people", "forget"), "erase a person's templates, consent and every pseudonymous link to them",
            _people_forget, _with_config(_forget_arguments)),
    Command(("people", "enroll"), "enrol a person from face photos (embeddings only) with a recorded consent",
            _people_enroll, _with_config(_enroll_arguments)),
    Command(("people", "renew-consent"), "record a person's renewed consent for a new period (templates kept; audited)",
            _people_renew_consent, _with_config(_renew_arguments)),
    Command(("storage", "keygen"), "create a 32-byte key file (device key or embeddings key)", _storage_keygen, _keygen_arguments),
]
