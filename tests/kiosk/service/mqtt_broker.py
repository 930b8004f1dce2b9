"""A real Mosquitto on a free loopback port that a test can stop and start again, and a watcher that records what arrives."""

from __future__ import annotations

import getpass
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

WAIT_S = 20.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(condition: Callable[[], bool], what: str | Callable[[], str], timeout_s: float = WAIT_S) -> None:
    """Poll `condition` until it holds; fail naming `what` (text, or a function that describes the state) after `timeout_s`."""
    give_up = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > give_up:
            pytest.fail(f"gave up after {timeout_s:g} s waiting for {what if isinstance(what, str) else what()}")
        time.sleep(0.01)


class Broker:
    """Mosquitto with persistence, so queued messages and sessions survive a stop and a start (as a building's broker should)."""

    def __init__(self, folder: Path) -> None:
        binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
        if not Path(binary).exists():
            pytest.fail("mosquitto is not installed: ./dev.sh installs it (Debian package mosquitto)")
        self._binary = binary
        self.port = free_port()
        self.address = f"127.0.0.1:{self.port}"
        self.conf = folder / "mosquitto.conf"
        self.conf.write_text(
            f"user {getpass.getuser()}\nlistener {self.port} 127.0.0.1\nallow_anonymous true\n"
            f"persistence true\npersistence_location {folder}/\nmax_queued_messages 0\nmax_inflight_messages 0\n"
        )
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.log = open(self.conf.with_name("mosquitto.log"), "ab")  # noqa: SIM115 - kept for the process's life
        self._process = subprocess.Popen([self._binary, "-c", str(self.conf)], stdout=subprocess.DEVNULL, stderr=self.log)
        wait_for(self._accepts, lambda: f"mosquitto to listen on {self.address} ({self.conf.with_name('mosquitto.log').read_text()[-300:]!r})")

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()  # mosquitto saves its persistence file on SIGTERM
            self._process.wait(timeout=WAIT_S)
            self._process = None
            self.log.close()

    def _accepts(self) -> bool:
        with socket.socket() as probe:
            return probe.connect_ex(("127.0.0.1", self.port)) == 0


class Watcher:
    """A subscriber with a persistent session (QoS 1), as a building's collector would run; records payloads in arrival order."""

    def __init__(
        self, address: str, topic: str, client_id: str = "watcher", clean: bool = True, login: tuple[str, str] | None = None
    ) -> None:
        import paho.mqtt.client as mqtt

        self.received: list[bytes] = []
        self._by_topic: dict[str, str] = {}
        self.topic_names: list[str] = []
        self.subscriptions = 0  # acknowledged subscriptions: one per (re)connection
        self._lock = threading.Lock()
        self._client: Any = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=clean)
        self._client.reconnect_delay_set(1, 1)
        if login is not None:
            self._client.username_pw_set(*login)
        self._client.on_message = self._on_message
        self._client.on_subscribe = self._on_subscribe
        self._client.on_connect = lambda client, *_args: client.subscribe(topic, qos=1)
        host, _, port = address.rpartition(":")
        self._client.connect(host, int(port))
        self._client.loop_start()
        wait_for(lambda: self.subscriptions > 0, f"the subscription to {topic}")

    def payloads(self) -> list[bytes]:
        with self._lock:
            return list(self.received)

    def topics(self) -> dict[str, str]:
        """The newest payload of each topic, keyed by its last level."""
        with self._lock:
            return dict(self._by_topic)

    def close(self) -> None:
        self._client.loop_stop()
        self._client.disconnect()

    def _on_subscribe(self, *_args: object) -> None:
        self.subscriptions += 1

    def _on_message(self, _client: object, _userdata: object, message: Any) -> None:
        with self._lock:
            self.received.append(message.payload)
            self.topic_names.append(message.topic)
            self._by_topic[message.topic.rsplit("/", 1)[-1]] = message.payload.decode("utf-8", "replace")
