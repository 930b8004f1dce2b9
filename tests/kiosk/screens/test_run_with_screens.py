"""`kiosk run` on simulated devices with the gate screen and the operator page beside the gate loop."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

from tests.kiosk.operator.client import Client
from tests.kiosk.service.test_run_command import wait_for

PASSWORD = "correct horse battery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def gate_state(port: int) -> dict[str, object] | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/state", timeout=5) as response:
            return json.load(response)
    except (urllib.error.URLError, ConnectionError):
        return None


def test_kiosk_run_serves_both_screens_and_stops_cleanly(tmp_path: Path) -> None:
    (tmp_path / "trust" / "kiosk").mkdir(parents=True)
    screen_port, operator_port = free_port(), free_port()
    config = tmp_path / "kiosk.toml"
    config.write_text(
        f"""
[gate]
checks = ["credential"]
[credentials]
trust_dir = "{tmp_path / 'trust'}"
[clock]
require_sync = false  # a simulated gate on a test machine that runs neither timesyncd nor chrony
[storage]
path = "{tmp_path / 'kiosk.db'}"
device_key_file = "{tmp_path / 'device.key'}"
[screens]
gate_screen = true
gate_port = {screen_port}
language = "de"
[operator]
enabled = true
port = {operator_port}
accounts_file = "{tmp_path / 'operators.json'}"
"""
    )
    added = subprocess.run(
        [sys.executable, "-m", "kiosk", "operator", "add", "ops", "--password-stdin", "--config", str(config)],
        input=PASSWORD + "\n", capture_output=True, text=True, check=False,
    )
    assert added.returncode == 0, added.stderr
    log = (tmp_path / "run.log").open("wb")
    service = subprocess.Popen([sys.executable, "-m", "kiosk", "run", "--config", str(config)], stdout=log, stderr=log)
    try:
        wait_for(lambda: (gate_state(screen_port) or {}).get("gate") == "serving", "the gate screen to say the gate is serving")
        assert gate_state(screen_port)["step_label"] == "Ausweis zeigen"  # type: ignore[index]
        client = Client(operator_port)
        login = client.request("POST", "/api/v1/login", json_body={"name": "ops", "password": PASSWORD})
        assert login.status == 200
        live = client.get("/api/v1/status").json()["live"]
        # the pass is read by the camera; clock.require_sync = false, so the gate decides by its clock
        assert live == {"gate": "serving", "camera": "up", "door": "locked", "alarms": [], "mode": "normal", "clock_trusted": True, "clock_fault": None}
    finally:
        service.send_signal(signal.SIGTERM)
        assert service.wait(timeout=60) == 0, (tmp_path / "run.log").read_text()
        log.close()
    audit = subprocess.run([sys.executable, "-m", "kiosk", "audit", "verify", "--config", str(config)], capture_output=True, text=True, check=False)
    assert audit.returncode == 0, audit.stdout + audit.stderr
