"""The hub's Prometheus metrics, in a registry of the app's own (two apps in one process do not collide).

=========================================  ===========  ====================================================
metric                                     kind         set by
=========================================  ===========  ====================================================
``lienthong_hub_events_total``             counter      :meth:`HubMetrics.event`: topic, outcome
``lienthong_hub_findings``                 gauge        the store's counts by type and state, at each scrape
``lienthong_hub_outbox_pending``           gauge        :meth:`HubMetrics.outbox_pending` (the relay), else
                                                        a bounded count from the store at each scrape
``lienthong_hub_outbox_pending_capped``    gauge        1 while the pending figure is that bound: "at least"
``lienthong_hub_outbox_published_total``   counter      :meth:`HubMetrics.published`
``lienthong_hub_sync_lag_seconds``         histogram    :meth:`HubMetrics.sync_acknowledged`
``lienthong_hub_consumer_lag_records``     gauge        :meth:`HubMetrics.consumer_lag`: topic, partition
=========================================  ===========  ====================================================
"""

from __future__ import annotations

from collections.abc import Mapping

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

__all__ = ["SYNC_LAG_BUCKETS", "HubMetrics"]

SYNC_LAG_BUCKETS = (0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 4 * 3600, 24 * 3600)
"""Seconds from a province event applied to the portal's acknowledgement: the national index asks for
"real time" sync, the portal connector retries for minutes, and an outage lasts hours."""


class HubMetrics:
    """Counters, gauges and the sync-lag histogram of one hub app."""

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
        self._outbox_capped = Gauge(
            "lienthong_hub_outbox_pending_capped",
            "1 when lienthong_hub_outbox_pending is the bound of a capped count: at least that many pending.",
            registry=self.registry,
        )
        self._published = Counter(
            "lienthong_hub_outbox_published", "Commands published from the outbox.", registry=self.registry
        )
        self._sync_lag = Histogram(
            "lienthong_hub_sync_lag_seconds",
            "Seconds from a province event applied by the hub to the portal acknowledging its revision.",
            buckets=SYNC_LAG_BUCKETS,
            registry=self.registry,
        )
        self._consumer_lag = Gauge(
            "lienthong_hub_consumer_lag_records",
            "Records of the partition not yet consumed by the hub (high watermark minus position).",
            ["topic", "partition"],
            registry=self.registry,
        )
        self._outbox_reported = False

    def event(self, topic: str, outcome: str) -> None:
        """One consumed record of ``topic`` and what became of it (applied, duplicate, retry, …)."""
        self._events.labels(topic=topic, outcome=outcome).inc()

    def published(self, count: int) -> None:
        """``count`` outbox rows published and marked."""
        self._published.inc(count)

    def outbox_pending(self, count: int) -> None:
        """The outbox backlog as the relay last saw it (after a pass: 0, or the rows a failed send left).

        Once called, ``/metrics`` reports this figure and stops counting rows in the store."""
        self._outbox_reported = True
        self._outbox_capped.set(0)
        self._outbox_pending.set(max(0, count))

    @property
    def outbox_reported(self) -> bool:
        """Whether the relay reports the backlog (else ``/metrics`` counts it, bounded)."""
        return self._outbox_reported

    def sync_acknowledged(self, seconds: float) -> None:
        """One revision acknowledged by the portal ``seconds`` after the hub applied its province event.

        A negative figure (clocks of two processes) counts as 0."""
        self._sync_lag.observe(max(0.0, seconds))

    def consumer_lag(self, lag: Mapping[tuple[str, int], int]) -> None:
        """The lag of every partition the hub's consumer holds, by ``(topic, partition)``.

        Partitions missing from ``lag`` are dropped: after a rebalance only the assigned ones are shown."""
        self._consumer_lag.clear()
        for (topic, partition), records in lag.items():
            self._consumer_lag.labels(topic=topic, partition=str(partition)).set(max(0, records))

    def render(
        self,
        finding_counts: Mapping[tuple[str, str], int],
        outbox_pending: int | None = None,
        *,
        outbox_capped: bool = False,
    ) -> bytes:
        """The exposition text, the findings gauge refreshed from the store's counts.

        ``outbox_pending`` (a count from the store, ``outbox_capped`` when it hit its bound) is used only
        while the relay has not reported the backlog itself through :meth:`outbox_pending`."""
        self._findings.clear()
        for (kind, state), count in finding_counts.items():
            self._findings.labels(type=kind, state=state).set(count)
        if outbox_pending is not None and not self._outbox_reported:
            self._outbox_pending.set(outbox_pending)
            self._outbox_capped.set(1 if outbox_capped else 0)
        return generate_latest(self.registry)
