"""A record whose effect could not be stored is read again, never skipped, and takes effect once."""

from __future__ import annotations

from pathlib import Path

import pytest

from deploy.topology import ensure_topics
from hub.app import create_app, dead_letter_topics
from hub.settings import HubSettings
from hub.store import ApplyResult, Change, StoreBusyError, open_store
from tests.integration.hub_app.traffic import (
    committed_and_end,
    dossier_topic,
    entries,
    make_traffic,
    produce,
    rows,
    run_until_quiescent,
)

pytestmark = pytest.mark.kafka


async def test_a_failed_store_write_rewinds_to_the_record_instead_of_committing_past_it(
    kafka_bootstrap: str, topic_prefix: str, group_id: str, tmp_path: Path
) -> None:
    """The first two writes fail: the records are read again, the ledger and the counts end up exact."""
    db = tmp_path / "ledger.sqlite3"
    settings = HubSettings(
        kafka_bootstrap_servers=kafka_bootstrap,
        topic_prefix=topic_prefix,
        group_id=group_id,
        http_enabled=False,
        retry_backoff_seconds=0.1,
        relay_interval_seconds=0.2,
    )
    await ensure_topics(kafka_bootstrap, dead_letter_topics(settings), partitions=1)
    traffic = make_traffic(6)
    topic = dossier_topic(topic_prefix)
    await produce(kafka_bootstrap, topic, traffic.records)
    store = await open_store(f"sqlite:///{db}")
    real_apply = store.apply
    failures: list[Change] = []

    async def flaky_apply(change: Change) -> ApplyResult:
        if len(failures) < 2:
            failures.append(change)
            raise StoreBusyError("database is locked")
        return await real_apply(change)

    store.apply = flaky_apply  # type: ignore[method-assign]
    try:
        await run_until_quiescent(create_app(settings, store), kafka_bootstrap, group_id, topic, db)
    finally:
        await store.close()

    assert len(failures) == 2
    committed, ends = await committed_and_end(kafka_bootstrap, group_id, topic)
    assert committed == ends
    assert rows(db, "SELECT count(*) FROM processed_events") == [(traffic.distinct,)]
    assert rows(db, "SELECT count(*) FROM outbox") == [(sum(traffic.revisions.values()),)]
    ledger = entries(db)
    for code, latest in traffic.latest.items():
        province = ledger[code].province
        assert province is not None
        assert province.event[1] == latest
