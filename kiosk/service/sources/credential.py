"""The credential check: camera frame → QR codes → one presentation per code → offline verification."""

from __future__ import annotations

from datetime import datetime, timezone

from hardware.camera import Frame
from hardware.clock import Clock
from kiosk.config.schema import KioskConfig
from kiosk.credentials import CredentialVerifier, ShcChunkAssembler, TrustStore, TrustStoreError, Verification
from kiosk.errors import ConfigError
from kiosk.gate.events import Outcome, Status
from kiosk.qr import PresentationTracker, QrDecoder
from kiosk.storage.storage import Storage


class CredentialSource:
    checks = ("credential",)
    needs_camera = True

    def __init__(
        self, decoder: QrDecoder, tracker: PresentationTracker, verifier: CredentialVerifier, clock: Clock, debounce_s: float
    ) -> None:
        self._decoder = decoder
        self._tracker = tracker
        self._verifier = verifier
        self._chunks = ShcChunkAssembler()
        self._clock = clock
        self._debounce_s = debounce_s
        self._unspent: dict[str, float] = {}  # presented while the gate was not listening → last seen

    def poll(self, now: float, frame: Frame | None, listening: bool) -> list[tuple[str, Outcome]]:
        """Decode and track every frame; verify a presentation only when the gate listens.

        A code presented while the gate is not listening (the last verdict still on screen) is kept
        unspent while it stays in view, and verified once the gate listens: verifying it at once
        would spend a rotating pass on a visit that cannot start.
        """
        if frame is None:
            return []
        codes = self._decoder.decode(frame.image)
        for code in codes:
            if code.text in self._unspent:
                self._unspent[code.text] = now
        for code in self._tracker.update(codes, now):
            self._unspent[code.text] = now
        self._unspent = {text: seen for text, seen in self._unspent.items() if now - seen <= self._debounce_s}
        if not listening:
            return []
        texts, self._unspent = list(self._unspent), {}
        outcomes = []
        for text in texts:
            whole = self._chunks.add(text)
            if whole is None:
                outcomes.append(("credential", _waiting_for_parts(self._chunks.missing)))
                continue
            # Verified once per presentation: a rotating pass code is refused if shown again.
            at = datetime.fromtimestamp(self._clock.wall(), tz=timezone.utc)
            outcomes.append(("credential", outcome_of(self._verifier.verify(whole, at))))
        return outcomes

    def use_trust(self, trust_store: TrustStore) -> None:
        """Verify by `trust_store` from the next presentation on (see `kiosk.service.trust_keeper`)."""
        self._verifier.use_trust(trust_store)

    def start_visit(self, holder_id: str | None) -> None:
        pass

    def close(self) -> None:
        pass


def outcome_of(verification: Verification) -> Outcome:
    """The gate's view of a verdict: a pass with pseudonymous references, or a failure naming the stage."""
    if verification.valid:
        until = f", valid until {verification.valid_until:%Y-%m-%d}" if verification.valid_until else ""
        return Outcome(
            Status.PASSED,
            "credential-valid",
            f"{verification.format} signature verified{until}",
            verification.message,
            subject=verification.subject_ref,
            holder_id=verification.holder_id,
        )
    return Outcome(
        Status.FAILED,
        f"credential-{verification.reason}",
        f"{verification.format} refused at the {verification.stage} stage: {verification.message}",
        verification.message,
    )


def _waiting_for_parts(missing: int) -> Outcome:
    return Outcome(
        Status.RETRY,
        "credential-incomplete",
        f"chunked SMART Health Card: {missing} part(s) still to scan",
        f"Please show the next part of your card ({missing} still to scan).",
    )


def build_credential_source(config: KioskConfig, clock: Clock, storage: Storage) -> CredentialSource:
    try:
        trust = TrustStore.load(config.credentials.trust_dir)
    except TrustStoreError as err:
        raise ConfigError([f"credentials.trust_dir: {err}"]) from err
    return CredentialSource(
        QrDecoder(config.qr),
        PresentationTracker(config.qr.debounce_s),
        CredentialVerifier(trust, config.credentials, gate_id=config.gate.gate_id),
        clock,
        config.qr.debounce_s,
    )
