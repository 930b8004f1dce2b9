"""OSDP peripheral (reader): the kiosk reports card reads to an access-control panel over RS-485.

OSDP (SIA, IEC 60839-11-5): the panel (CP) polls its readers (PDs) on a 2-wire RS-485 bus; the
secure channel encrypts and authenticates every message with AES-128 keys derived from the
reader's secure-channel base key (SCBK). The protocol is libosdp's (Apache-2.0), not ours.
The panel's LED, buzzer and text commands come back as `PanelCommand` values.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from hardware.clock import Clock
from hardware.settings import setting


@dataclass(frozen=True)
class PanelLed:
    """Set the reader's light: colours "green", "red" (amber lights both), none for off."""

    colors: frozenset[str]


@dataclass(frozen=True)
class PanelBuzzer:
    on: bool


@dataclass(frozen=True)
class PanelText:
    text: str


PanelCommand = PanelLed | PanelBuzzer | PanelText


class OsdpPeripheral(Protocol):
    """`report` a card read; `poll` returns the panel's commands received since the last call, oldest first."""

    @property
    def is_online(self) -> bool: ...

    @property
    def is_secure(self) -> bool: ...

    def report(self, bits: tuple[bool, ...]) -> None: ...

    def poll(self) -> list[PanelCommand]: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class OsdpConfig:
    port: str = setting("", "RS-485 serial port (/dev/ttyUSB0 for a USB adapter, /dev/serial0 for a HAT on the UART); empty: not used")
    baudrate: int = setting(9600, "bus speed the panel uses, bit/s (OSDP: 9600, 19200, 38400, 57600, 115200)", min=9600, max=115200)
    address: int = setting(0, "this reader's OSDP address on the bus, as set in the panel", min=0, max=126)
    scbk_file: Path | None = setting(
        None, "file holding the secure-channel base key as 32 hex digits; the same key goes into the panel (never printed)"
    )

    def validate(self) -> list[str]:
        if self.baudrate not in (9600, 19200, 38400, 57600, 115200):
            return [f"baudrate = {self.baudrate}: expected one of 9600, 19200, 38400, 57600, 115200"]
        return []


def open_osdp_peripheral(config: OsdpConfig, clock: Clock) -> OsdpPeripheral:
    """Open the port and start serving the panel, secure channel required; raises DeviceUnavailable or DriverNotInstalled."""
    from hardware.osdp.libosdp_peripheral import LibosdpPeripheral, open_serial_channel
    from hardware.osdp.keys import read_scbk

    scbk = read_scbk(config.scbk_file)
    return LibosdpPeripheral(open_serial_channel(config), scbk, config.address, clock)
