"""The `[screens]` config section: the gate screen's language, address and what it may show."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Literal

from hardware.settings import setting


@dataclass(frozen=True)
class ScreensConfig:
    language: Literal["en", "de"] = setting("en", "language of the gate screen and of spoken prompts ('en' or 'de')")
    gate_screen: bool = setting(False, "serve the gate screen (the page the kiosk's own browser shows the person)")
    gate_host: str = setting("127.0.0.1", "address the gate screen listens on: keep 127.0.0.1, the kiosk's own browser is local")
    gate_port: int = setting(8080, "TCP port of the gate screen", min=1024, max=65535)
    show_temperature: bool = setting(
        False, "show the measured temperature with the verdict (only where storage.record_temperature_values keeps it)"
    )
    preview_fps: float = setting(5.0, "camera preview frames per second on the gate screen", min=1, max=15)
    heartbeat_s: float = setting(1.0, "the gate screen hears from the service at least this often, seconds", min=0.2, max=10)
    stalled_after_s: float = setting(
        3.0, "the gate loop silent this long makes the gate screen say 'out of service', seconds", min=1, max=60
    )

    def validate(self) -> list[str]:
        try:
            ipaddress.ip_address(self.gate_host)
        except ValueError:
            return [f"gate_host = {self.gate_host!r}: expected an IP address such as 127.0.0.1"]
        return []
