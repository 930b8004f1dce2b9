"""`kiosk doctor`: try each configured device and resource, and say what to fix."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from hardware.camera import open_camera
from hardware.clock import Clock
from hardware.door import open_door
from hardware.errors import DeviceUnavailable, DriverNotInstalled, HardwareError
from kiosk.config.schema import KioskConfig
from kiosk.service.clock_sync import clock_fault, clock_sync
from kiosk.storage.outbox import read_summary


@dataclass(frozen=True)
class Finding:
    subject: str
    ok: bool
    detail: str
    fix: str = ""


Probe = Callable[[KioskConfig, Clock], Finding]


def probe_camera(config: KioskConfig, clock: Clock) -> Finding:
    try:
        camera = open_camera(config.camera, clock)
        try:
            frame = camera.grab()
        finally:
            camera.close()
    except (HardwareError, ValueError) as err:
        return Finding("camera", False, str(err), "check the cable and camera.device / camera.source; `v4l2-ctl --list-devices` lists USB cameras")
    height, width = frame.image.shape[:2]
    return Finding("camera", True, f"{config.camera.driver}: got a {width}×{height} frame")


def probe_door(config: KioskConfig, clock: Clock) -> Finding:
    try:
        door = open_door(config.door, clock)
        door.close()
    except DriverNotInstalled as err:
        return Finding("door", False, str(err), "install the Pi extra into the venv: .venv/bin/pip install '.[pi]' ('.[pi5]' on a Pi 5)")
    except (HardwareError, RuntimeError, ValueError) as err:
        return Finding("door", False, str(err), "add the service user to the gpio group; on a Pi 5 use rpi-lgpio (the [pi5] extra)")
    return Finding("door", True, f"{config.door.driver}: relay driven locked, inputs readable")


def probe_storage(config: KioskConfig, clock: Clock) -> Finding:
    folder = Path(config.storage.path).parent
    existing = next((p for p in (folder, *folder.parents) if p.exists()), None)
    if existing is not None and os.access(existing, os.W_OK):
        return Finding("storage", True, f"database folder {folder} is writable")
    return Finding("storage", False, f"database folder {folder} is not writable by this user", f"create it: sudo install -d -o $USER {folder}")


def probe_speech(config: KioskConfig, clock: Clock) -> Finding:
    if config.feedback.driver != "console" or not config.feedback.speak:
        return Finding("speech", True, "spoken prompts not configured")
    if shutil.which("espeak-ng"):
        return Finding("speech", True, "espeak-ng found")
    return Finding("speech", False, "feedback.speak = true but espeak-ng is not installed", "sudo apt-get install espeak-ng")


def probe_thermometer(config: KioskConfig, clock: Clock) -> Finding:
    """Wait up to `THERMOMETER_WAIT_S` of real time for one reading from the configured sensor."""
    import time

    from hardware.thermometer import open_thermometer

    try:
        thermometer = open_thermometer(config.thermometer, clock)
    except (HardwareError, ValueError) as err:
        return Finding("thermometer", False, str(err), "check thermometer.port and that the service user is in the dialout group")
    try:
        give_up = time.monotonic() + THERMOMETER_WAIT_S
        while time.monotonic() < give_up:
            try:
                reading = thermometer.read()
            except DeviceUnavailable as err:
                return Finding("thermometer", False, str(err), "check the wiring (TX↔RX, 3.3–5 V, GND), the port and the baud rate")
            if reading is not None:
                return Finding("thermometer", True, f"{config.thermometer.driver}: object {reading.object_c:.2f} °C, ambient {reading.ambient_c:.2f} °C")
            time.sleep(0.05)
    finally:
        thermometer.close()
    return Finding("thermometer", False, f"{config.thermometer.driver}: no reading within {THERMOMETER_WAIT_S:g} s", "check the wiring and thermometer.baudrate (or 'auto')")


def probe_models(config: KioskConfig, clock: Clock) -> Finding:
    """The face stage's models; without them the face, mask and liveness checks deny every visit, as `kiosk run` does.
    Without the MiniFASNet pair only the liveness check does."""
    needed = [check for check in config.gate.checks if check in ("face", "mask", "liveness")]
    if not needed:
        return Finding("models", True, "no face check configured")
    from kiosk import models

    directory = models.resolve_models_dir(config.vision.models_dir)
    mask_required = config.vision.needs_mask_model or "mask" in config.gate.checks
    wanted = ["yunet", "sface"] + (["mask"] if mask_required else [])
    specs = models.load_manifest()
    problems = []
    for name in wanted:
        try:
            models.locate(specs[name], directory)
        except models.ModelError as err:
            problems.append(str(err))
    if "liveness" in config.gate.checks:
        statuses = [models.check(specs[name], directory) for name in ("minifasnet-v2", "minifasnet-v1se")]
        liveness_problems = [status.detail for status in statuses if status.state != "ok"]
        if liveness_problems and not problems:
            detail = f"liveness check unavailable, every visit will be denied (liveness-unavailable): {'; '.join(liveness_problems)}"
            return Finding("models", False, detail, f"obtain each model as its message says, into {directory}")
        problems += liveness_problems
        wanted += ["minifasnet-v2", "minifasnet-v1se"]
    if problems:
        denied = ", ".join(f"{check}-unavailable" for check in needed)
        detail = f"{' and '.join(needed)} check unavailable, every visit will be denied ({denied}): {'; '.join(problems)}"
        return Finding("models", False, detail, f"obtain each model as its message says, into {directory}")
    return Finding("models", True, f"{', '.join(wanted)} present and verified in {directory}")


def probe_panel(config: KioskConfig, clock: Clock, wait_s: float | None = None) -> Finding:
    """In panel modes: the Wiegand pins can be claimed, or a panel polls this OSDP reader over the secure channel."""
    import time

    from kiosk.panel.link import WiegandPanel, open_panel

    if config.door.mode == "relay":
        return Finding("panel", True, "door.mode 'relay': the kiosk drives its own lock")
    try:
        panel = open_panel(config, clock)
    except DriverNotInstalled as err:
        return Finding("panel", False, str(err), "install the extra the message names into the venv")
    except (HardwareError, ValueError) as err:
        return Finding("panel", False, str(err), "check panel.osdp.port and scbk_file, or panel.wiegand's pins, and the service user's groups")
    assert panel is not None
    wait_s = PANEL_WAIT_S if wait_s is None else wait_s
    try:
        if isinstance(panel, WiegandPanel):
            return Finding("panel", True, f"wiegand ({config.panel.wiegand.driver}): D0/D1 claimed, lines idle")
        peripheral = panel.peripheral
        give_up = time.monotonic() + wait_s
        while time.monotonic() < give_up:
            if peripheral.is_online and peripheral.is_secure:
                return Finding("panel", True, f"osdp: a panel polls address {config.panel.osdp.address} over the secure channel")
            time.sleep(0.05)
    finally:
        panel.close()
    return Finding(
        "panel",
        False,
        f"osdp: no panel polled address {config.panel.osdp.address} on {config.panel.osdp.port} over a secure channel within {wait_s:g} s",
        "check A/B (swap them first), the 120 Ω terminators, panel.osdp.baudrate and address, and that the panel has the same key",
    )


def probe_outbox(config: KioskConfig, clock: Clock) -> Finding:
    """Decisions waiting for the MQTT broker; failing once the oldest has waited `OUTBOX_STALE_S`."""
    if not config.privacy.mqtt_broker:
        return Finding("outbox", True, "no MQTT broker configured: nothing leaves the device")
    summary = read_summary(Path(config.storage.path))
    if summary is None or summary.depth == 0:
        return Finding("outbox", True, f"empty: every recorded decision has been acknowledged by {config.privacy.mqtt_broker}")
    waited_s = clock.wall() - summary.oldest_at if summary.oldest_at is not None else 0.0
    detail = f"{summary.depth} message(s) wait for {config.privacy.mqtt_broker}, the oldest for {waited_s:.0f} s"
    if waited_s < OUTBOX_STALE_S:
        return Finding("outbox", True, detail)
    return Finding(
        "outbox", False, detail,
        "check the broker and the network (privacy.mqtt_broker, [mqtt]); undelivered messages are dropped after storage.retention_days",
    )


def probe_clock(config: KioskConfig, clock: Clock) -> Finding:
    """Good only when timesyncd or chrony says the clock is synchronised and it reads no earlier than this release."""
    sync = clock_sync()
    fix = "enable NTP (sudo timedatectl set-ntp true, or install chrony) or fit an RTC; see the README, Many gates"
    before_release = clock_fault(sync, clock.wall(), require_sync=False)
    if before_release is not None:
        return Finding("clock", False, f"{before_release}; every visit is denied clock-unsynchronised", fix)
    if sync.state == "synchronised":
        return Finding("clock", True, sync.detail)
    if config.clock.require_sync:
        consequence = ("the gate denies every visit clock-unsynchronised until it is, unless it saw it synchronised"
                       f" within the last {config.clock.holdover_h:g} h (clock.holdover_h) and it did not step")
    else:
        consequence = "clock.require_sync = false: the gate decides by it anyway"
    detail = f"{sync.state}: {sync.detail}; pass validity, rotating codes and command freshness depend on it, and {consequence}"
    return Finding("clock", False, detail, fix)


THERMOMETER_WAIT_S = 3.0
PANEL_WAIT_S = 8.0  # a panel polls each reader several times a second; the secure channel takes a few exchanges

OUTBOX_STALE_S = 3600.0

PROBES: list[Probe] = [
    probe_storage, probe_door, probe_panel, probe_camera, probe_thermometer, probe_models, probe_speech, probe_outbox, probe_clock,
]


def examine(config: KioskConfig, clock: Clock, probes: list[Probe] = PROBES) -> list[Finding]:
    return [probe(config, clock) for probe in probes]
