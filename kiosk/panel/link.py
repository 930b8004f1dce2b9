"""The gate's link to the access-control panel: card numbers become frames on OSDP or Wiegand."""

from __future__ import annotations

from hardware.clock import Clock
from hardware.osdp import OsdpPeripheral, PanelCommand, open_osdp_peripheral
from hardware.wiegand import WiegandOutput, open_wiegand
from hardware.wiegand.frames import CardNumber, encode
from kiosk.config.schema import KioskConfig
from kiosk.panel.config import PanelConfig


class OsdpPanel:
    """Card reads over OSDP; the panel's LED, buzzer and text commands come back through `poll`."""

    def __init__(self, peripheral: OsdpPeripheral, config: PanelConfig) -> None:
        self.peripheral = peripheral
        self._config = config

    def report(self, number: int) -> str:
        card = CardNumber(self._config.facility_code, number, self._config.card_bits)
        self.peripheral.report(encode(card))
        return describe(card)

    def poll(self) -> list[PanelCommand]:
        return self.peripheral.poll()

    def close(self) -> None:
        self.peripheral.close()


class WiegandPanel:
    """Card reads as Wiegand frames; Wiegand has no way back, so the panel sends no commands."""

    def __init__(self, output: WiegandOutput, config: PanelConfig) -> None:
        self._output = output
        self._config = config

    def report(self, number: int) -> str:
        card = CardNumber(self._config.facility_code, number, self._config.card_bits)
        self._output.send(encode(card))
        return describe(card)

    def poll(self) -> list[PanelCommand]:
        return []

    def close(self) -> None:
        self._output.close()


def describe(card: CardNumber) -> str:
    return f"card {card.number} (facility {card.facility}, {card.bits}-bit)"


def open_panel(config: KioskConfig, clock: Clock) -> OsdpPanel | WiegandPanel | None:
    """The link door.mode asks for, or None in relay mode."""
    if config.door.mode == "panel-osdp":
        return OsdpPanel(open_osdp_peripheral(config.panel.osdp, clock), config.panel)
    if config.door.mode == "panel-wiegand":
        return WiegandPanel(open_wiegand(config.panel.wiegand, clock), config.panel)
    return None
