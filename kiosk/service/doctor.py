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
from hardware.errors import DriverNotInstalled, HardwareError
from kiosk.config.schema import KioskConfig


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


PROBES: list[Probe] = [probe_storage, probe_door, probe_camera, probe_speech]


def examine(config: KioskConfig, clock: Clock, probes: list[Probe] = PROBES) -> list[Finding]:
    return [probe(config, clock) for probe in probes]
