"""The hub's Prometheus metrics, in a registry of the app's own (two apps in one process do not collide).

Events are counted as they are processed, by topic and outcome; findings and the outbox backlog are gauges
set from the store when ``/metrics`` is scraped.
"""

from __future__ import annotations

from collections.abc import Mapping

from prometheus_client import CollectorRegistry, Counter, Gauge, generate_latest

__all__ = ["HubMetrics"]


class HubMetrics:
    """Counters and gauges of one hub app."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self._events = Counter(
            "lienthong_hub_events",
            "Records consumed, by source topic and what became of them.",
            ["topic", "outcome"],
            registry=self.registry,
        )
        self._findings = Gauge(
            "lienthong_hub_findings",
            "Findings in the ledger, by type and state.",
            ["type", "state"],
            registry=self.registry,
        )
        self._outbox_pending = Gauge(
            "lienthong_hub_outbox_pending", "Commands stored but not yet published.", registry=self.registry
        )
        self._published = Counter(
            "lienthong_hub_outbox_published", "Commands published from the outbox.", registry=self.registry
        )

    def event(self, topic: str, outcome: str) -> None:
        self._events.labels(topic=topic, outcome=outcome).inc()

    def published(self, count: int) -> None:
        self._published.inc(count)

    def render(self, finding_counts: Mapping[tuple[str, str], int], outbox_pending: int) -> bytes:
        """The exposition text, with the gauges refreshed from the store's counts and outbox backlog."""
        self._findings.clear()
        for (kind, state), count in finding_counts.items():
            self._findings.labels(type=kind, state=state).set(count)
        self._outbox_pending.set(outbox_pending)
        return generate_latest(self.registry)
