"""The hub's Prometheus metrics: names, labels and what each method records."""

from __future__ import annotations

import pytest

from hub.app.metrics import HubMetrics


def _value(metrics: HubMetrics, name: str, **labels: str) -> float | None:
    return metrics.registry.get_sample_value(name, labels)


def test_events_are_counted_by_topic_and_outcome() -> None:
    metrics = HubMetrics()
    metrics.event("lienthong.dossier.events.v1", "applied")
    metrics.event("lienthong.dossier.events.v1", "applied")
    metrics.event("lienthong.dossier.events.v1", "duplicate")
    text = metrics.render({}).decode()
    assert 'lienthong_hub_events_total{outcome="applied",topic="lienthong.dossier.events.v1"} 2.0' in text
    assert (
        _value(
            metrics, "lienthong_hub_events_total", topic="lienthong.dossier.events.v1", outcome="duplicate"
        )
        == 1
    )


def test_findings_follow_the_store_counts_of_each_scrape() -> None:
    metrics = HubMetrics()
    metrics.render({("regression", "open"): 2, ("sync_refused", "needs_operator"): 1})
    assert _value(metrics, "lienthong_hub_findings", type="regression", state="open") == 2
    metrics.render({("sync_refused", "needs_operator"): 3})
    assert _value(metrics, "lienthong_hub_findings", type="regression", state="open") is None
    assert _value(metrics, "lienthong_hub_findings", type="sync_refused", state="needs_operator") == 3


def test_published_commands_are_counted() -> None:
    metrics = HubMetrics()
    metrics.published(3)
    metrics.published(2)
    assert _value(metrics, "lienthong_hub_outbox_published_total") == 5


def test_the_outbox_backlog_comes_from_the_store_until_the_relay_reports_it() -> None:
    metrics = HubMetrics()
    metrics.render({}, 7)
    assert _value(metrics, "lienthong_hub_outbox_pending") == 7
    assert _value(metrics, "lienthong_hub_outbox_pending_capped") == 0
    metrics.render({}, 100, outbox_capped=True)
    assert _value(metrics, "lienthong_hub_outbox_pending_capped") == 1
    assert not metrics.outbox_reported
    metrics.outbox_pending(4)
    assert metrics.outbox_reported
    metrics.render({}, 100, outbox_capped=True)
    assert _value(metrics, "lienthong_hub_outbox_pending") == 4
    assert _value(metrics, "lienthong_hub_outbox_pending_capped") == 0


def test_sync_lag_is_a_histogram_of_seconds_with_a_negative_lag_counted_as_none() -> None:
    metrics = HubMetrics()
    metrics.sync_acknowledged(0.2)
    metrics.sync_acknowledged(45.0)
    metrics.sync_acknowledged(-3.0)
    assert _value(metrics, "lienthong_hub_sync_lag_seconds_count") == 3
    assert _value(metrics, "lienthong_hub_sync_lag_seconds_sum") == pytest.approx(45.2)
    assert _value(metrics, "lienthong_hub_sync_lag_seconds_bucket", le="0.5") == 2
    assert _value(metrics, "lienthong_hub_sync_lag_seconds_bucket", le="30.0") == 2
    assert _value(metrics, "lienthong_hub_sync_lag_seconds_bucket", le="60.0") == 3


def test_consumer_lag_shows_the_partitions_last_reported_only() -> None:
    metrics = HubMetrics()
    metrics.consumer_lag({("lienthong.dossier.events.v1", 0): 12, ("lienthong.dossier.events.v1", 1): 0})
    assert (
        _value(
            metrics, "lienthong_hub_consumer_lag_records", topic="lienthong.dossier.events.v1", partition="0"
        )
        == 12
    )
    metrics.consumer_lag({("lienthong.dossier.events.v1", 1): 5})
    assert (
        _value(
            metrics, "lienthong_hub_consumer_lag_records", topic="lienthong.dossier.events.v1", partition="0"
        )
        is None
    )
    assert 'lienthong_hub_consumer_lag_records{partition="1",topic="lienthong.dossier.events.v1"} 5.0' in (
        metrics.render({}).decode()
    )
