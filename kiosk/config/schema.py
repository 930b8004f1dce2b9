"""The root of the configuration: one section per device and per capability."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from hardware.camera import CameraConfig, SimulatedCameraConfig
from hardware.door import DoorConfig, GpioDoorConfig, SimulatedDoorConfig
from hardware.feedback import FeedbackConfig, SimulatedFeedbackConfig
from hardware.settings import setting
from hardware.wiegand import GpioWiegandConfig
from hardware.thermometer import SimulatedThermometerConfig, ThermometerConfig
from kiosk.panel.config import PanelConfig
from kiosk.privacy.config import PrivacyConfig
from kiosk.storage.config import StorageConfig
from kiosk.credentials.config import DEFAULT_GATE_ID, CredentialsConfig
from kiosk.fleet.config import CommandsConfig, MetricsConfig, MqttConfig
from kiosk.thermal.config import ThermalConfig
from kiosk.operator.config import OperatorConfig
from kiosk.qr.config import QrConfig
from kiosk.screens.config import ScreensConfig
from kiosk.vision.config import VisionConfig

CHECK_NAMES = ("credential", "face", "mask", "liveness", "temperature")


@dataclass(frozen=True)
class GateConfig:
    gate_id: str = setting(DEFAULT_GATE_ID, "name of this gate, recorded with every decision and checked against kiosk passes' gate list")
    checks: list[str] = setting(
        ["credential", "temperature"], "checks a person must pass, in the order they are asked for"
    )
    unlock_s: float = setting(5.0, "how long the lock stays released after a grant, seconds", min=0.5, max=60)
    visit_timeout_s: float = setting(20.0, "time for a person to complete all checks once started, seconds", min=2, max=300)
    held_open_alarm_s: float = setting(30.0, "door open longer than this raises the held-open alarm, seconds", min=1, max=3600)
    exit_unlock_s: float = setting(5.0, "how long the exit button releases the lock, seconds", min=0.5, max=60)
    decision_hold_s: float = setting(2.0, "after a decision, no new visit starts for this long, seconds", min=0, max=30)
    when_check_unavailable: Literal["deny", "operator"] = setting(
        "deny", "a required check whose device is down: 'deny' entry, or 'operator' to call staff"
    )

    def validate(self) -> list[str]:
        problems = []
        for index, name in enumerate(self.checks):
            if name not in CHECK_NAMES:
                problems.append(f"checks[{index}] = {name!r}: expected one of {', '.join(map(repr, CHECK_NAMES))}")
        if len(set(self.checks)) != len(self.checks):
            problems.append(f"checks = {self.checks}: each check may appear once")
        if not self.checks:
            problems.append("checks = []: expected at least one check (an open door needs no kiosk)")
        return problems


@dataclass(frozen=True)
class LoggingConfig:
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = setting("INFO", "log level")
    format: Literal["json", "text"] = setting("json", "'json': one object per line (journald-friendly); 'text': readable")


@dataclass(frozen=True)
class ServiceConfig:
    loop_hz: float = setting(15.0, "gate loop iterations per second (camera frames analysed per second)", min=1, max=120)


@dataclass(frozen=True)
class ClockConfig:
    require_sync: bool = setting(
        True,
        "deny every visit (clock-unsynchronised) unless timesyncd or chrony says the clock is synchronised;"
        " false only where neither runs (a demo, a test bench): a clock before this release's build date is refused either way",
    )
    probe_interval_s: float = setting(60.0, "how often the clock's synchronisation is asked (off the gate loop), seconds", min=10, max=3600)
    holdover_h: float = setting(
        24.0,
        "keep trusting a clock that was synchronised in this run for this long after NTP stops answering, unless it steps;"
        " 0 to deny as soon as timesyncd or chrony stop calling it synchronised, hours",
        min=0,
        max=168,
    )


@dataclass(frozen=True)
class KioskConfig:
    gate: GateConfig = setting(GateConfig(), "the gate's policy and timings")
    camera: CameraConfig = setting(SimulatedCameraConfig(), "camera device")
    thermometer: ThermometerConfig = setting(SimulatedThermometerConfig(), "infrared thermometer device")
    thermal: ThermalConfig = setting(ThermalConfig(), "body-temperature estimate: threshold, privacy, calibration, tolerances")
    door: DoorConfig = setting(SimulatedDoorConfig(), "lock relay, door contact, exit button, indicators; door.mode picks relay or panel")
    panel: PanelConfig = setting(PanelConfig(), "access-control panel (door.mode 'panel-osdp' or 'panel-wiegand'): card numbers, OSDP, Wiegand")
    feedback: FeedbackConfig = setting(SimulatedFeedbackConfig(), "display and spoken prompts")
    logging: LoggingConfig = setting(LoggingConfig(), "service logs")
    service: ServiceConfig = setting(ServiceConfig(), "the service process")
    clock: ClockConfig = setting(ClockConfig(), "the wall clock that pass validity, rotating codes and command freshness depend on")
    storage: StorageConfig = setting(StorageConfig(), "database, keys and retention periods")
    privacy: PrivacyConfig = setting(PrivacyConfig(), "data controller, purpose and what may leave the device")
    mqtt: MqttConfig = setting(MqttConfig(), "how the gate connects to the broker privacy.mqtt_broker names: TLS, credentials")
    metrics: MetricsConfig = setting(MetricsConfig(), "Prometheus metrics and /healthz over HTTP")
    commands: CommandsConfig = setting(CommandsConfig(), "signed remote commands over MQTT: operator keys, freshness, evacuation")
    credentials: CredentialsConfig = setting(CredentialsConfig(), "signed credentials: trust store, formats, kiosk passes")

    qr: QrConfig = setting(QrConfig(), "QR code reading: decoding stages, time budget per frame, debounce")
    vision: VisionConfig = setting(VisionConfig(), "face detection, mask check, recognition and its thresholds")
    screens: ScreensConfig = setting(ScreensConfig(), "the gate screen: language, address, what it shows")
    operator: OperatorConfig = setting(OperatorConfig(), "the operator page: address, accounts, TLS, sessions")

    def validate(self) -> list[str]:
        problems = []
        if self.door.mode == "panel-osdp":
            if not self.panel.osdp.port:
                problems.append("door.mode = 'panel-osdp': panel.osdp.port is empty (expected the RS-485 serial port, e.g. /dev/ttyUSB0)")
            if self.panel.osdp.scbk_file is None:
                problems.append("door.mode = 'panel-osdp': panel.osdp.scbk_file is not set (expected the secure-channel key file)")
        wiegand = self.panel.wiegand
        if self.door.mode == "panel-wiegand" and isinstance(self.door, GpioDoorConfig) and isinstance(wiegand, GpioWiegandConfig):
            door_pins = {self.door.relay_pin, self.door.door_contact_pin, self.door.exit_button_pin,
                         self.door.green_pin, self.door.red_pin, self.door.buzzer_pin}
            for name in ("d0_pin", "d1_pin"):
                if getattr(wiegand, name) in door_pins:
                    problems.append(f"panel.wiegand.{name} = {getattr(wiegand, name)}: already used by a door pin (expected a distinct BCM pin)")
        return problems
