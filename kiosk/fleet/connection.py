"""Build the paho-mqtt client for this gate from `[privacy]` (where to) and `[mqtt]` (how)."""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import Any

from kiosk.config.schema import KioskConfig
from kiosk.errors import ConfigError


def broker_address(config: KioskConfig) -> tuple[str, int]:
    host, _, port = config.privacy.mqtt_broker.rpartition(":")  # checked as host:port by PrivacyConfig
    return host, int(port)


def read_secret(path: Path, key: str) -> str:
    """The first line of the secret file `path`; the error names the file, never its contents."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError([f"{key} = '{path}': cannot read it ({getattr(err, 'strerror', None) or err.__class__.__name__}; expected a UTF-8 text file)"]) from err
    if not lines or not lines[0]:
        raise ConfigError([f"{key} = '{path}': the file is empty (expected the secret on its first line)"])
    return lines[0]


def build_client(config: KioskConfig, client_id: str) -> Any:
    """A paho client with TLS, credentials and reconnect back-off set; not yet connected."""
    import paho.mqtt.client as mqtt

    settings = config.mqtt
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=True)
    client.reconnect_delay_set(1, max(1, round(settings.reconnect_max_s)))
    if settings.username:
        password = read_secret(settings.password_file, "mqtt.password_file") if settings.password_file else None
        client.username_pw_set(settings.username, password)
    if settings.tls:
        try:
            context = ssl.create_default_context(cafile=str(settings.tls_ca_file) if settings.tls_ca_file else None)
            if settings.tls_cert_file and settings.tls_key_file:
                context.load_cert_chain(str(settings.tls_cert_file), str(settings.tls_key_file))
        except (OSError, ssl.SSLError) as err:
            raise ConfigError([f"mqtt.tls_*: cannot load the TLS files ({err.__class__.__name__}: {getattr(err, 'strerror', None) or err}; expected PEM files readable by this user)"]) from err
        client.tls_set_context(context)
    return client
