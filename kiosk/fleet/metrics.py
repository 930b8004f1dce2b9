"""Prometheus metrics over HTTP (prometheus_client), and `/healthz` for liveness checks.

The registry is the gate's own (never the library's global one). Nothing personal is exported:
verdicts, reason codes, check and stage names, counts and durations.
`/healthz` answers 200 while the gate loop has run within `stale_after_s`, 503 after that.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, make_wsgi_app

from hardware.clock import Clock

# Stage durations from a fraction of a millisecond (QR decode on a small frame) to seconds (face on a Pi).
STAGE_BUCKETS_S = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class GateMetrics:
    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self.registry = CollectorRegistry()
        self._decisions = Counter("kiosk_decisions", "decisions by verdict and reason code", ["verdict", "reason"], registry=self.registry)
        self._stages = Histogram("kiosk_stage_seconds", "time one gate loop spends in each stage", ["stage"], buckets=STAGE_BUCKETS_S, registry=self.registry)
        self._sensor_errors = Counter("kiosk_sensor_errors", "checks reported unavailable, by check", ["check"], registry=self.registry)
        self._outbox = Gauge("kiosk_outbox_depth", "messages waiting for the MQTT broker's acknowledgement", registry=self.registry)
        self._broker = Gauge("kiosk_broker_connected", "1 while connected to the MQTT broker", registry=self.registry)
        self._clock_trusted = Gauge("kiosk_clock_trusted", "1 while the gate decides by its clock, 0 while it denies every visit clock-unsynchronised", registry=self.registry)
        self._last_loop = Gauge("kiosk_last_loop_monotonic_seconds", "monotonic time of the gate loop's last run", registry=self.registry)
        self._last_loop_s: float | None = None

    def decision(self, verdict: str, reasons: Iterable[str]) -> None:
        for reason in tuple(reasons) or ("none",):
            self._decisions.labels(verdict=verdict, reason=reason).inc()

    def stage(self, name: str, seconds: float) -> None:
        self._stages.labels(stage=name).observe(seconds)

    def sensor_error(self, check: str) -> None:
        self._sensor_errors.labels(check=check).inc()

    def link(self, outbox_depth: int, is_connected: bool) -> None:
        self._outbox.set(outbox_depth)
        self._broker.set(1 if is_connected else 0)

    def clock(self, is_trusted: bool) -> None:
        self._clock_trusted.set(1 if is_trusted else 0)

    def loop_ran(self) -> None:
        self._last_loop_s = self._clock.monotonic()
        self._last_loop.set(self._last_loop_s)

    def is_alive(self, stale_after_s: float) -> bool:
        return self._last_loop_s is not None and self._clock.monotonic() - self._last_loop_s <= stale_after_s


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass  # one line per scrape would drown the journal


class MetricsServer:
    """Serves `/metrics` and `/healthz` from a daemon thread; `close()` stops it."""

    def __init__(self, metrics: GateMetrics, host: str, port: int, stale_after_s: float) -> None:
        metrics_app = make_wsgi_app(metrics.registry)

        def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            if environ.get("PATH_INFO") == "/healthz":
                alive = metrics.is_alive(stale_after_s)
                start_response("200 OK" if alive else "503 Service Unavailable", [("Content-Type", "text/plain")])
                return [b"ok\n" if alive else b"gate loop not running\n"]
            return metrics_app(environ, start_response)

        self._server: WSGIServer = make_server(host, port, app, handler_class=_QuietHandler)
        self.port = self._server.server_port
        self._thread = threading.Thread(target=self._server.serve_forever, name="metrics", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
