"""Private: Prometheus metrics of one service instance (counts and latencies only: no case
id, no team id, no finding text)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import generate_latest
from prometheus_client.registry import Collector

if TYPE_CHECKING:
    from erantis_rules.server._state import Service

__all__ = ["Metrics"]

_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class _Findings(Collector):
    """Current findings by rule and the store position, read when scraped."""

    def __init__(self) -> None:
        self.service: Service | None = None

    def collect(self) -> Iterator[Metric]:
        findings = GaugeMetricFamily(
            "erantis_findings", "Current findings by rule (counts only).", labels=["rule_id"]
        )
        position = GaugeMetricFamily(
            "erantis_log_position", "The store position the warm engine has caught up to."
        )
        if self.service is not None:
            for rule_id, count in sorted(self.service.counts_by_rule().items()):
                findings.add_metric([rule_id], count)
            position.add_metric([], self.service.position)
        yield findings
        yield position


class Metrics:
    """The instance's registry (its own, so several applications can share a process)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "erantis_http_requests",
            "HTTP requests answered, by method, route template and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "erantis_http_request_duration_seconds",
            "Time to answer, by method and route template.",
            ["method", "route"],
            buckets=_BUCKETS,
            registry=self.registry,
        )
        self.appended = Counter("erantis_events_appended", "Events stored.", registry=self.registry)
        self.duplicates = Counter(
            "erantis_events_duplicate",
            "Events sent again and skipped (already stored).",
            registry=self.registry,
        )
        self.shed = Counter(
            "erantis_requests_shed",
            "Requests refused with 503 because too many were in flight.",
            registry=self.registry,
        )
        self._findings = _Findings()
        self.registry.register(self._findings)

    def attach(self, service: Service) -> None:
        """Read findings and the position from ``service`` when scraped."""
        self._findings.service = service

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        """Count one answered request."""
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(method, route).observe(seconds)

    def render(self) -> tuple[bytes, str]:
        """The exposition text and its media type."""
        return generate_latest(self.registry), CONTENT_TYPE_LATEST
