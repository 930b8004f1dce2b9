"""The `[mqtt]` config section: how the gate connects to the broker `privacy.mqtt_broker` names.

Secrets never sit in the config file: the password is read from `password_file` when connecting,
and neither it nor a key file's contents is ever logged or printed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from hardware.settings import setting


@dataclass(frozen=True)
class MqttConfig:
    tls: bool = setting(False, "connect with TLS (the broker's certificate is checked against tls_ca_file, or the system CAs)")
    tls_ca_file: Path | None = setting(None, "PEM file of the CA(s) the broker's certificate must chain to (unset: the system CAs)")
    tls_cert_file: Path | None = setting(None, "PEM client certificate, for brokers that identify gates by certificate (needs tls_key_file)")
    tls_key_file: Path | None = setting(None, "PEM private key of tls_cert_file (keep it readable by the service user only)")
    username: str = setting("", "user name for brokers that ask for one ('': none)")
    password_file: Path | None = setting(None, "file whose first line is the password for username (read at connect, never printed)")
    keepalive_s: int = setting(30, "MQTT keep-alive; the broker publishes the gate's last will after 1.5 times this, seconds", min=5, max=3600)
    reconnect_max_s: float = setting(30.0, "longest wait between reconnection attempts (they start at 1 s and double), seconds", min=1, max=600)
    home_assistant_discovery: bool = setting(
        False, "publish Home Assistant MQTT discovery configs (lock, door, alarm, health) under homeassistant/"
    )
    inflight: int = setting(20, "messages sent and not yet acknowledged at one time; the rest wait in the outbox", min=1, max=1000)

    def validate(self) -> list[str]:
        problems = []
        if (self.tls_cert_file is None) != (self.tls_key_file is None):
            problems.append("tls_cert_file and tls_key_file: expected both (a client certificate and its key) or neither")
        uses_tls_files = self.tls_ca_file or self.tls_cert_file
        if uses_tls_files and not self.tls:
            problems.append("tls = false: expected true when tls_ca_file or tls_cert_file is set (they are only used over TLS)")
        if self.password_file is not None and not self.username:
            problems.append("password_file is set but username = '': expected the user name the password belongs to")
        return problems


@dataclass(frozen=True)
class CommandsConfig:
    operator_keys_dir: Path | None = setting(
        None, "folder of operator public keys (PEM Ed25519) whose signed commands the gate runs (unset: no remote commands)"
    )
    max_age_s: float = setting(120.0, "a command issued longer ago (or further ahead) than this is refused as stale, seconds", min=5, max=3600)
    evacuation_enabled: bool = setting(
        False, "accept 'evacuate' (hold the door released until 'end-evacuation'): only where the building's fire strategy requires it"
    )


@dataclass(frozen=True)
class MetricsConfig:
    port: int = setting(0, "HTTP port for Prometheus /metrics and /healthz (0: off)", min=0, max=65535)
    bind: str = setting("127.0.0.1", "address the metrics server listens on (127.0.0.1: this machine only; put a proxy or a firewall rule in front to share it)")
    healthz_stale_s: float = setting(10.0, "/healthz answers 503 when the gate loop has not run for this long, seconds", min=1, max=3600)
