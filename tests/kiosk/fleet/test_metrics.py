"""The metrics endpoint, scraped over HTTP and parsed with prometheus_client's own parser; /healthz follows the loop."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest
from prometheus_client.parser import text_string_to_metric_families

from hardware.clock import ManualClock
from kiosk.fleet.metrics import GateMetrics, MetricsServer


@pytest.fixture
def served() -> Iterator[tuple[GateMetrics, MetricsServer, ManualClock]]:
    clock = ManualClock()
    metrics = GateMetrics(clock)
    server = MetricsServer(metrics, "127.0.0.1", 0, stale_after_s=10)
    yield metrics, server, clock
    server.close()


def scrape(server: MetricsServer) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    with urllib.request.urlopen(f"http://127.0.0.1:{server.port}/metrics", timeout=10) as response:
        text = response.read().decode()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_decisions_stages_sensor_errors_and_the_broker_link_are_exported(served: tuple[GateMetrics, MetricsServer, ManualClock]) -> None:
    metrics, server, _ = served
    metrics.decision("denied", ("temperature-high",))
    metrics.decision("denied", ("temperature-high",))
    metrics.decision("granted", ("ok", "temperature-ok"))
    metrics.stage("credential", 0.004)
    metrics.stage("credential", 0.2)
    metrics.sensor_error("temperature")
    metrics.link(outbox_depth=12, is_connected=False)
    metrics.clock(is_trusted=False)
    samples = scrape(server)
    assert samples[("kiosk_decisions_total", (("reason", "temperature-high"), ("verdict", "denied")))] == 2
    assert samples[("kiosk_decisions_total", (("reason", "temperature-ok"), ("verdict", "granted")))] == 1
    assert samples[("kiosk_stage_seconds_count", (("stage", "credential"),))] == 2
    assert samples[("kiosk_stage_seconds_bucket", (("le", "0.005"), ("stage", "credential")))] == 1
    assert samples[("kiosk_sensor_errors_total", (("check", "temperature"),))] == 1
    assert samples[("kiosk_outbox_depth", ())] == 12
    assert samples[("kiosk_broker_connected", ())] == 0
    assert samples[("kiosk_clock_trusted", ())] == 0


def healthz(server: MetricsServer) -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{server.port}/healthz", timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as err:
        return err.code


def test_healthz_is_ok_only_while_the_gate_loop_runs(served: tuple[GateMetrics, MetricsServer, ManualClock]) -> None:
    metrics, server, clock = served
    assert healthz(server) == 503, "before the first loop"
    metrics.loop_ran()
    assert healthz(server) == 200
    clock.advance(11)
    assert healthz(server) == 503, "a loop stuck for longer than stale_after_s"


def test_every_metric_the_grafana_dashboard_plots_is_exported(served: tuple[GateMetrics, MetricsServer, ManualClock]) -> None:
    import json
    import re
    from pathlib import Path

    metrics, server, _ = served
    metrics.decision("granted", ("ok",))
    metrics.stage("credential", 0.01)
    metrics.sensor_error("face")
    metrics.loop_ran()
    exported = {name for name, _ in scrape(server)}
    dashboard = json.loads((Path(__file__).resolve().parents[3] / "deploy" / "grafana-kiosk-dashboard.json").read_text())
    plotted = {name for panel in dashboard["panels"] for target in panel["targets"] for name in re.findall(r"kiosk_[a-z_]+", target["expr"])}
    assert plotted and plotted <= exported
