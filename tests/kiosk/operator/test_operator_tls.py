"""The operator page over HTTPS with the self-signed certificate `kiosk operator certificate` makes."""

from __future__ import annotations

import json
import ssl
import stat
import subprocess
import sys
import urllib.error
import urllib.request
from dataclasses import replace
from pathlib import Path

import pytest

from kiosk.config.schema import KioskConfig
from kiosk.operator.site import open_operator_page


def test_the_certificate_command_writes_a_private_key_and_a_certificate_for_the_host(tmp_path: Path) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text(
        f'[operator]\nhost = "192.0.2.10"\ntls_cert_file = "{tmp_path / "op.crt"}"\ntls_key_file = "{tmp_path / "op.key"}"\n'
    )
    made = subprocess.run([sys.executable, "-m", "kiosk", "operator", "certificate", "--config", str(config)], capture_output=True, text=True, check=False)
    assert made.returncode == 0, made.stderr
    assert "SHA-256" in made.stdout
    assert stat.S_IMODE((tmp_path / "op.key").stat().st_mode) == 0o600
    assert b"BEGIN CERTIFICATE" in (tmp_path / "op.crt").read_bytes()


def test_the_operator_page_answers_over_https_with_its_certificate(tmp_path: Path, operator_config: KioskConfig) -> None:
    from kiosk.operator.certificate import write_self_signed

    cert, key = tmp_path / "op.crt", tmp_path / "op.key"
    write_self_signed(cert, key, ["127.0.0.1"], 30)
    config = replace(operator_config, operator=replace(operator_config.operator, tls_cert_file=cert, tls_key_file=key))
    page = open_operator_page(config, None, port=0)
    assert page.server is not None
    try:
        context = ssl.create_default_context(cafile=str(cert))
        request = urllib.request.Request(page.server.url + "api/v1/status")
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, context=context, timeout=10)
        assert refused.value.code == 401 and json.load(refused.value) == {"error": "not-logged-in"}
        with urllib.request.urlopen(page.server.url + "login", context=context, timeout=10) as response:
            assert "Secure" in response.headers["Set-Cookie"] and "HttpOnly" in response.headers["Set-Cookie"]
    finally:
        page.stop()
    assert page.server.url.startswith("https://127.0.0.1:")


def test_an_operator_page_on_the_lan_without_tls_is_refused_with_its_line() -> None:
    from kiosk.config import parse_config
    from kiosk.errors import ConfigError

    with pytest.raises(ConfigError, match=r"kiosk.toml: line 2: operator.host = '0.0.0.0': .*only over HTTPS"):
        parse_config(KioskConfig, '[operator]\nhost = "0.0.0.0"\n', "kiosk.toml")
    with pytest.raises(ConfigError, match="expected both or neither"):
        parse_config(KioskConfig, '[operator]\ntls_cert_file = "/etc/kiosk/op.crt"\n', "kiosk.toml")
    assert parse_config(KioskConfig, '[operator]\nhost = "::1"\n', "kiosk.toml").operator.is_loopback
