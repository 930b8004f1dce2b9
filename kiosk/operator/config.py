"""The `[operator]` config section: where the operator page listens, its accounts, TLS and session limits."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from pathlib import Path

from hardware.settings import setting


@dataclass(frozen=True)
class OperatorConfig:
    enabled: bool = setting(False, "serve the operator page (status, people, API) beside the gate")
    host: str = setting("127.0.0.1", "address it listens on; any other than loopback needs tls_cert_file and tls_key_file")
    host_names: list[str] = setting(
        [],
        "host names the page is reached by besides its addresses, localhost and its certificate's names, such as 'gate-3.example.lan';"
        " a request naming any other host is refused",
    )
    port: int = setting(8443, "TCP port of the operator page", min=1024, max=65535)
    accounts_file: Path = setting(Path("/var/lib/kiosk/operators.json"), "operator accounts ('kiosk operator add NAME' writes it)")
    tls_cert_file: Path | None = setting(None, "PEM certificate for HTTPS ('kiosk operator certificate' makes a self-signed one)")
    tls_key_file: Path | None = setting(None, "PEM private key of tls_cert_file")
    pass_issuer_key_file: Path | None = setting(
        None, "issuer private key the page signs passes with ('kiosk pass keygen --role issuer'); unset: no passes issued here"
    )
    pass_issuer: str = setting("kiosk", "issuer name recorded in the passes issued here")
    lockout_s: float = setting(900.0, "an account stays locked this long after 5 wrong passwords in a row, seconds", min=60, max=86400)
    session_idle_s: float = setting(900.0, "a session unused this long ends, seconds", min=60, max=28800)

    @property
    def is_loopback(self) -> bool:
        return ipaddress.ip_address(self.host).is_loopback

    def validate(self) -> list[str]:
        try:
            ipaddress.ip_address(self.host)
        except ValueError:
            return [f"host = {self.host!r}: expected an IP address such as 127.0.0.1"]
        if (self.tls_cert_file is None) != (self.tls_key_file is None):
            return ["tls_cert_file and tls_key_file: expected both or neither"]
        if not self.is_loopback and self.tls_cert_file is None:
            return [f"host = {self.host!r}: the operator page leaves this machine only over HTTPS (expected tls_cert_file and tls_key_file)"]
        return []
