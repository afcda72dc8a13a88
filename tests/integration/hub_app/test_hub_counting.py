"""Against a real broker: each distinct event takes effect once, one command per revision, garbage aside."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from contracts import PORTAL_COMMAND_TOPIC, decode
from deploy.topology import ensure_topics
from hub.app import create_app, dead_letter_topics
from hub.settings import HubSettings
from tests.fixtures.province import read_topic
from tests.integration.hub_app.traffic import (
    committed_and_end,
    dossier_topic,
    entries,
    ledger_view,
    make_traffic,
    produce,
    rows,
    run_until_part_done,
    run_until_quiescent,
)

pytestmark = pytest.mark.kafka


def _settings(bootstrap: str, prefix: str, group: str, db: Path) -> HubSettings:
    return HubSettings(
        kafka_bootstrap_servers=bootstrap,
        topic_prefix=prefix,
        group_id=group,
        database_url=f"sqlite:///{db}",
        http_enabled=False,
        relay_interval_seconds=0.2,
    )


async def test_each_event_takes_effect_once_and_each_revision_yields_one_command(
    kafka_bootstrap: str, topic_prefix: str, group_id: str, tmp_path: Path
) -> None:
    """Duplicates, late arrivals and undecodable records: exact counts everywhere, offsets all committed."""
    db = tmp_path / "ledger.sqlite3"
    settings = _settings(kafka_bootstrap, topic_prefix, group_id, db)
    await ensure_topics(kafka_bootstrap, dead_letter_topics(settings), partitions=1)
    traffic = make_traffic(12)
    topic = dossier_topic(topic_prefix)
    await produce(kafka_bootstrap, topic, traffic.records)

    await run_until_quiescent(create_app(settings), kafka_bootstrap, group_id, topic, db)

    committed, ends = await committed_and_end(kafka_bootstrap, group_id, topic)
    assert committed == ends
    assert rows(db, "SELECT count(*) FROM processed_events WHERE scope = 'entry'") == [(traffic.distinct,)]
    assert rows(db, "SELECT count(*) FROM outbox") == [(sum(traffic.revisions.values()),)]
    ledger = entries(db)
    assert set(ledger) == set(traffic.latest)
    for code, latest in traffic.latest.items():
        entry = ledger[code]
        assert entry.province is not None
        assert entry.province.event[1] == latest
        assert entry.revision == traffic.revisions[code]
        assert sum(1 for r in entry.history if r.revision is None) == traffic.regressions[code]
    command_records = await read_topic(kafka_bootstrap, _commands(topic_prefix))
    commands = [decode(r.key, r.value, r.headers) for r in command_records]
    per_revision = Counter((c.subject, c.data.revision) for c in commands)  # type: ignore[attr-defined]
    expected = {(code, rev) for code, n in traffic.revisions.items() for rev in range(1, n + 1)}
    assert set(per_revision) == expected
    assert set(per_revision.values()) == {1}
    dead = await read_topic(kafka_bootstrap, f"{topic}.dlq")
    assert len(dead) == traffic.garbage
    for record in dead:
        headers = dict(record.headers)
        assert headers["dlq_original_topic"] == topic.encode()
        context = {"dlq_reason", "dlq_error_class", "dlq_original_partition", "dlq_original_offset"}
        assert context <= set(headers)
    originals = {(r.key, r.value, tuple(r.headers)) for r in traffic.records[-traffic.garbage :]}
    assert {
        (r.key, r.value, tuple(h for h in r.headers if not h[0].startswith("dlq_"))) for r in dead
    } == originals


async def test_a_restart_mid_stream_ends_with_the_ledger_of_an_undisturbed_run(
    kafka_bootstrap: str, topic_prefix: str, group_id: str, tmp_path: Path
) -> None:
    """Stopping the app part way and starting it again (same store, same group) changes nothing in the end."""
    db = tmp_path / "ledger.sqlite3"
    settings = _settings(kafka_bootstrap, topic_prefix, group_id, db)
    await ensure_topics(kafka_bootstrap, dead_letter_topics(settings), partitions=1)
    traffic = make_traffic(30)
    topic = dossier_topic(topic_prefix)
    await produce(kafka_bootstrap, topic, traffic.records)
    done = await run_until_part_done(
        create_app(settings), kafka_bootstrap, group_id, topic, len(traffic.records)
    )
    assert done < len(traffic.records)
    await run_until_quiescent(create_app(settings), kafka_bootstrap, group_id, topic, db)

    other_db = tmp_path / "undisturbed.sqlite3"
    other = _settings(kafka_bootstrap, topic_prefix, f"{group_id}-undisturbed", other_db)
    await run_until_quiescent(create_app(other), kafka_bootstrap, other.group_id, topic, other_db)
    assert ledger_view(db) == ledger_view(other_db)
    assert rows(db, "SELECT count(*) FROM processed_events") == [(traffic.distinct,)]
    assert rows(db, "SELECT count(*) FROM outbox") == [(sum(traffic.revisions.values()),)]


def _commands(prefix: str) -> str:
    return f"{prefix}{PORTAL_COMMAND_TOPIC.name}"
