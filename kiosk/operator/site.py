"""The operator page put together: accounts, sessions, its own database connection, and its server."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from hardware.clock import Clock, SystemClock
from kiosk.config.schema import KioskConfig
from kiosk.errors import KioskError
from kiosk.operator.accounts import AccountStore
from kiosk.operator.app import OperatorSite, TrustUpdates, operator_app
from kiosk.operator.sessions import SessionStore
from kiosk.screens.server import ScreenServer
from kiosk.screens.state import GateScreenState
from kiosk.storage.storage import Storage

logger = logging.getLogger(__name__)


@dataclass
class OperatorPage:
    site: OperatorSite
    server: ScreenServer | None  # None when it could not listen: the gate runs on without it

    def stop(self) -> None:
        """Stop serving; the server's shutdown closes the site's database connection on its own thread."""
        if self.server is not None:
            self.server.stop()


def open_operator_page(
    config: KioskConfig,
    gate: GateScreenState | None,
    port: int | None = None,
    clock: Clock | None = None,
    trust_updates: TrustUpdates | None = None,
) -> OperatorPage:
    """Start the operator page on operator.host:port; a port it cannot open is logged, not raised."""
    settings = config.operator
    clock = clock or SystemClock()
    site = OperatorSite(
        config,
        AccountStore(settings.accounts_file, settings.lockout_s),
        SessionStore(settings.session_idle_s, clock),
        lambda: Storage.open(config.storage, clock),
        gate,
        clock,
        trust_updates,
    )
    tls = (settings.tls_cert_file, settings.tls_key_file) if settings.tls_cert_file and settings.tls_key_file else None
    try:
        server = ScreenServer(operator_app(site), settings.host, settings.port if port is None else port, "operator page", tls)
    except KioskError as err:
        logger.error("operator page unavailable: %s", err)
        return OperatorPage(site, None)
    server.start()
    return OperatorPage(site, server)
