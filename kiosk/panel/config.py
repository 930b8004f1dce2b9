"""The `[panel]` section: how a grant becomes a card read for the panel, and where the panel is."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from hardware.osdp import OsdpConfig
from hardware.settings import setting
from hardware.wiegand import SimulatedWiegandConfig, WiegandConfig

# The same form as enrolled person ids and pass subject ids: a code, never a name.
REFERENCE = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
CARD_MAX = 65535
FACILITY_MAX = {26: 255, 34: 65535}


@dataclass(frozen=True)
class PanelConfig:
    card_bits: Literal[26, 34] = setting(26, "card format reported to the panel: 26 (HID H10301) or 34 bits")
    facility_code: int = setting(0, "facility (site) code in every reported card, as enrolled in the panel (26-bit: 0-255)", min=0, max=65535)
    cards: dict[str, int] = setting(
        {}, "card number (0-65535) per pseudonymous id: an enrolled person's id or a kiosk pass's subject id, never a name"
    )
    osdp: OsdpConfig = setting(OsdpConfig(), "door.mode 'panel-osdp': the RS-485 port and the secure-channel key")
    wiegand: WiegandConfig = setting(SimulatedWiegandConfig(), "door.mode 'panel-wiegand': the D0/D1 output")

    def validate(self) -> list[str]:
        problems = []
        if self.facility_code > FACILITY_MAX[self.card_bits]:
            problems.append(
                f"facility_code = {self.facility_code}: expected 0-{FACILITY_MAX[self.card_bits]} for {self.card_bits}-bit cards"
            )
        for reference, number in self.cards.items():
            if not REFERENCE.fullmatch(reference):
                problems.append(
                    f"cards.{reference!r}: expected a pseudonymous id of lowercase letters, digits and dashes "
                    "(an enrolled person's id or a pass subject id), never a name"
                )
            if isinstance(number, int) and not 0 <= number <= CARD_MAX:
                problems.append(f"cards.{reference} = {number}: expected a card number from 0 to {CARD_MAX}")
        return problems
