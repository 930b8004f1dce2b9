"""Serve a Starlette app with uvicorn in a thread beside the gate loop.

The listening socket is bound by the caller's thread, so a port in use is known at start-up and
reported; after that the server lives in its own thread and nothing the gate loop does waits on
it. uvicorn installs no signal handlers outside the main thread, so SIGTERM stays the service's.
"""

from __future__ import annotations

import logging
import socket
import threading
from pathlib import Path

import uvicorn
from starlette.applications import Starlette

from kiosk.errors import KioskError

logger = logging.getLogger(__name__)

STOP_WAIT_S = 5.0
# Requests in progress (event streams included) and open connections, beyond which a request is answered 503 at once:
# a flood of clients costs the process a bounded amount of work beside the gate loop.
MAX_CONCURRENT = 32


class ScreenServer:
    """One web server on `host:port` (port 0: any free port, see `port`)."""

    def __init__(self, app: Starlette, host: str, port: int, name: str, tls: tuple[Path, Path] | None = None) -> None:
        self.name = name
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._socket = socket.socket(family, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            self._socket.bind((host, port))
        except OSError as err:
            self._socket.close()
            raise KioskError(f"{name} {host}:{port}: cannot listen ({err.strerror}; expected a free port, see 'ss -ltnp')") from err
        self._socket.listen(64)
        self.port: int = self._socket.getsockname()[1]
        self.host = host
        self.scheme = "https" if tls else "http"
        cert, key = tls if tls else (None, None)
        config = uvicorn.Config(
            app,
            log_level="warning",
            lifespan="on",
            access_log=False,
            timeout_graceful_shutdown=1,
            ssl_certfile=cert,
            ssl_keyfile=key,
            limit_concurrency=MAX_CONCURRENT,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}/"

    def start(self) -> None:
        self._thread.start()
        logger.info("%s serving on %s", self.name, self.url)

    def _run(self) -> None:
        try:
            self._server.run(sockets=[self._socket])
        except Exception:  # noqa: BLE001 - a web fault is logged; the gate loop runs on without its screen
            logger.exception("%s stopped by an error; the gate goes on without it", self.name)

    def stop(self) -> None:
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(STOP_WAIT_S)
        self._socket.close()
