"""Regression tests for the known Kafka-client pitfalls (../shared/kafka-local.md), on the real broker.

* aiokafka #900 and FastStream #2999/#3000: stopping must not commit a record still in flight. The hub is
  stopped while a record's store write is held; the record's offset stays uncommitted, and a restart applies
  it exactly once.
* FastStream's ``nack()`` re-reads at once: a tight loop during an outage. While the store is down the hub
  tries a record at most once per ``retry_backoff_seconds``, and commits nothing past it.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest

from deploy.topology import ensure_topics, topic_names
from hub.app import create_app, dead_letter_topics
from hub.app.processing import STORE_ATTEMPTS
from hub.settings import HubSettings
from hub.store import ApplyResult, Change, StoreBusyError, open_store
from tests.integration.hub_app.traffic import (
    committed_and_end,
    dossier_topic,
    make_traffic,
    produce,
    rows,
    run_until_quiescent,
)

pytestmark = pytest.mark.kafka

_WITHIN = 60.0


def _settings(bootstrap: str, prefix: str, group: str, **overrides: Any) -> HubSettings:
    return HubSettings(
        kafka_bootstrap_servers=bootstrap,
        topic_prefix=prefix,
        group_id=group,
        http_enabled=False,
        relay_interval_seconds=0.2,
        **overrides,
    )


async def _until(what: str, check: Any) -> None:
    deadline = time.monotonic() + _WITHIN
    while not check():
        assert time.monotonic() < deadline, f"not within {_WITHIN:.0f} s: {what}"
        await asyncio.sleep(0.02)


async def test_stopping_with_a_record_in_flight_commits_nothing_past_it(
    kafka_bootstrap: str, topic_prefix: str, group_id: str, tmp_path: Path
) -> None:
    db = tmp_path / "ledger.sqlite3"
    settings = _settings(kafka_bootstrap, topic_prefix, group_id, graceful_timeout_seconds=1.0)
    await ensure_topics(kafka_bootstrap, [*topic_names(topic_prefix), *dead_letter_topics(settings)])
    traffic = make_traffic(10)
    topic = dossier_topic(topic_prefix)
    await produce(kafka_bootstrap, topic, traffic.records)

    store = await open_store(f"sqlite:///{db}")
    real_apply = store.apply
    held: list[Change] = []
    release = asyncio.Event()

    async def holding_apply(change: Change) -> ApplyResult:
        if len(held) == 0 and rows(db, "SELECT count(*) FROM processed_events")[0][0] >= 5:
            held.append(change)
            await release.wait()  # the record stays in flight until the app is stopped around it
        return await real_apply(change)

    store.apply = holding_apply  # type: ignore[method-assign]
    app = create_app(settings, store)
    await app.start()
    try:
        await _until("a record is held in flight", lambda: bool(held))
        in_flight = held[0]
        await app.stop()  # the graceful timeout passes with the record still held: it is abandoned
    finally:
        release.set()
        await store.close()

    committed, ends = await committed_and_end(kafka_bootstrap, group_id, topic)
    assert sum(max(c, 0) for c in committed.values()) < sum(ends.values()), "the stop committed everything"
    applied = rows(db, "SELECT count(*) FROM processed_events")[0][0]
    assert applied < traffic.distinct
    assert in_flight.event is not None
    with contextlib.closing(sqlite3.connect(db)) as conn:
        held_rows = conn.execute(
            "SELECT count(*) FROM processed_events WHERE source = ? AND event_id = ?",
            (in_flight.event.source, in_flight.event.id),
        ).fetchone()
    assert held_rows == (0,), "the abandoned record's effect was not written"

    # a restart on the same store and group takes every record once: the abandoned one included
    again = await open_store(f"sqlite:///{db}")
    try:
        await run_until_quiescent(create_app(settings, again), kafka_bootstrap, group_id, topic, db)
    finally:
        await again.close()
    committed, ends = await committed_and_end(kafka_bootstrap, group_id, topic)
    assert committed == ends
    assert rows(db, "SELECT count(*) FROM processed_events") == [(traffic.distinct,)]
    assert rows(db, "SELECT count(*) FROM outbox") == [(sum(traffic.revisions.values()),)]


async def test_an_outage_of_the_store_is_retried_at_the_backoff_not_in_a_tight_loop(
    kafka_bootstrap: str, topic_prefix: str, group_id: str, tmp_path: Path
) -> None:
    db = tmp_path / "ledger.sqlite3"
    backoff = 0.5
    settings = _settings(kafka_bootstrap, topic_prefix, group_id, retry_backoff_seconds=backoff)
    await ensure_topics(kafka_bootstrap, [*topic_names(topic_prefix), *dead_letter_topics(settings)])
    traffic = make_traffic(4)
    topic = dossier_topic(topic_prefix)
    await produce(kafka_bootstrap, topic, traffic.records)

    store = await open_store(f"sqlite:///{db}")
    real_apply = store.apply
    attempts: list[float] = []
    outage = {"down": True}

    async def failing_apply(change: Change) -> ApplyResult:
        if outage["down"]:
            attempts.append(time.monotonic())
            raise StoreBusyError("database is locked")
        return await real_apply(change)

    store.apply = failing_apply  # type: ignore[method-assign]
    app = create_app(settings, store)
    await app.start()
    try:
        await _until("three readings' failed attempts", lambda: len(attempts) >= 3 * STORE_ATTEMPTS)
        committed, _ = await committed_and_end(kafka_bootstrap, group_id, topic)
        assert sum(max(c, 0) for c in committed.values()) == 0, "nothing is committed past a failed record"
        outage["down"] = False
    finally:
        await app.stop()
    # one consumer, one record at a time: each reading tries the store a bounded number of times in place,
    # then the partition waits a backoff before the record is read again
    gaps = [later - earlier for earlier, later in itertools.pairwise(attempts)]
    between_readings = gaps[STORE_ATTEMPTS - 1 :: STORE_ATTEMPTS]
    assert len(between_readings) >= 1
    assert min(between_readings) >= backoff * 0.9, f"readings came faster than the backoff: {gaps}"
    try:
        await run_until_quiescent(create_app(settings, store), kafka_bootstrap, group_id, topic, db)
    finally:
        await store.close()
    assert rows(db, "SELECT count(*) FROM processed_events") == [(traffic.distinct,)]
