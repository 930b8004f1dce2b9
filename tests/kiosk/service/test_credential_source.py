"""The credential source with the real QR decoder and verifier, on frames showing a signed rotating pass."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from hardware.camera import Frame
from hardware.clock import ManualClock
from kiosk.config.schema import GateConfig, KioskConfig
from kiosk.credentials import CredentialsConfig, CredentialVerifier, TrustStore
from kiosk.demo.frames import empty_scene, person_with_code
from kiosk.demo.passes import DemoIssuer
from kiosk.gate.events import Outcome, Status
from kiosk.qr import PresentationTracker, QrDecoder
from kiosk.qr.config import QrConfig
from kiosk.service.sources.credential import CredentialSource, build_credential_source

DEBOUNCE_S = 1.0


def make(tmp_path: Path, clock: ManualClock) -> tuple[CredentialSource, str]:
    config = CredentialsConfig()
    issuer = DemoIssuer(config, "main-entrance", datetime.fromtimestamp(clock.wall() - 3600, tz=timezone.utc))
    issuer.write_trust(tmp_path / "trust")
    verifier = CredentialVerifier(TrustStore.load(tmp_path / "trust"), config)
    source = CredentialSource(QrDecoder(QrConfig()), PresentationTracker(DEBOUNCE_S), verifier, clock, DEBOUNCE_S)
    code = issuer.rotating_pass("holder-1").code_at(datetime.fromtimestamp(clock.wall(), tz=timezone.utc))
    return source, code


def show(source: CredentialSource, clock: ManualClock, image: np.ndarray, listening: bool, seconds: float = 0.5) -> list[Outcome]:
    outcomes = []
    for _ in range(round(seconds / 0.1)):
        clock.advance(0.1)
        frame = Frame(image, clock.monotonic(), 0)
        outcomes += [outcome for _, outcome in source.poll(clock.monotonic(), frame, listening)]
    return outcomes


def test_a_code_held_in_view_is_verified_once(tmp_path: Path, clock: ManualClock) -> None:
    source, code = make(tmp_path, clock)
    [outcome] = show(source, clock, person_with_code(None, code), listening=True, seconds=2.0)
    assert (outcome.status, outcome.reason) == (Status.PASSED, "credential-valid")
    assert outcome.holder_id == "holder-1"


def test_a_code_shown_while_the_gate_is_not_listening_is_kept_for_when_it_does(tmp_path: Path, clock: ManualClock) -> None:
    source, code = make(tmp_path, clock)
    frame = person_with_code(None, code)
    assert show(source, clock, frame, listening=False) == []
    [outcome] = show(source, clock, frame, listening=True)
    assert outcome.status is Status.PASSED, "not spent while the gate was not listening, so no replay"


def test_a_code_taken_away_before_the_gate_listens_is_forgotten(tmp_path: Path, clock: ManualClock) -> None:
    source, code = make(tmp_path, clock)
    show(source, clock, person_with_code(None, code), listening=False)
    assert show(source, clock, empty_scene(), listening=False, seconds=1.5) == []
    assert show(source, clock, empty_scene(), listening=True) == []


def test_a_code_still_held_after_its_verdict_is_not_presented_again(tmp_path: Path, clock: ManualClock) -> None:
    source, code = make(tmp_path, clock)
    frame = person_with_code(None, code)
    assert len(show(source, clock, frame, listening=True)) == 1
    show(source, clock, frame, listening=False, seconds=2.0)
    assert show(source, clock, frame, listening=True, seconds=2.0) == []


def test_kiosk_passes_are_checked_against_the_one_gate_name_gate_gate_id(tmp_path: Path, clock: ManualClock) -> None:
    base = KioskConfig()
    credentials = replace(base.credentials, trust_dir=tmp_path / "trust")
    issuer = DemoIssuer(credentials, "north-door", datetime.fromtimestamp(clock.wall() - 3600, tz=timezone.utc))
    issuer.write_trust(tmp_path / "trust")
    outcomes = {}
    for gate_id in ("north-door", "south-door"):
        config = replace(base, gate=GateConfig(gate_id=gate_id), credentials=credentials)
        source = build_credential_source(config, clock, storage=None)  # type: ignore[arg-type]
        code = issuer.rotating_pass("holder-1").code_at(datetime.fromtimestamp(clock.wall(), tz=timezone.utc))
        [outcomes[gate_id]] = show(source, clock, person_with_code(None, code), listening=True, seconds=2.0)
    assert outcomes["north-door"].status is Status.PASSED
    assert (outcomes["south-door"].status, outcomes["south-door"].reason) == (Status.FAILED, "credential-gate-not-allowed")
