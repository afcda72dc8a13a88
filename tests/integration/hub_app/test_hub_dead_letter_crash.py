"""kill -9 of ``lienthong hub`` after a dead letter was written and before its transaction committed the
source offset; then a restart. Counted outcome: exactly one dead letter for ``read_committed`` readers, every
good event applied once, nothing lost.

The child process is the real CLI command with one change made in the child only: the transactional
producer writes the dead letter, flushes it, leaves a mark, and then hangs instead of committing the offset.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from contracts import KafkaRecord
from deploy.topology import ensure_topics, topic_names
from hub.app import create_app, dead_letter_topics
from hub.settings import HubSettings
from hub.store import open_store
from tests.fixtures.transactions import stalled_commit_script, written_uncommitted
from tests.integration.hub_app.traffic import (
    dossier_topic,
    make_traffic,
    produce,
    read_committed,
    rows,
    run_until_quiescent,
)

pytestmark = [pytest.mark.kafka, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[3]

_STALLED = stalled_commit_script("deploy.cli.hub", "hub")


def _poison(good: KafkaRecord) -> KafkaRecord:
    """A record with the good one's key and headers but a value that is not JSON."""
    return KafkaRecord(key=good.key, value=b'{"dossier_code": "cut off', headers=good.headers)


async def test_kill_between_a_dead_letter_write_and_its_commit_leaves_one_dead_letter(
    kafka_bootstrap: str, topic_prefix: str, group_id: str, tmp_path: Path
) -> None:
    settings = HubSettings(
        kafka_bootstrap_servers=kafka_bootstrap,
        topic_prefix=topic_prefix,
        group_id=group_id,
        http_enabled=False,
        relay_interval_seconds=0.2,
    )
    await ensure_topics(kafka_bootstrap, [*topic_names(topic_prefix), *dead_letter_topics(settings)])
    topic = dossier_topic(topic_prefix)
    dlq = settings.dlq_topic(topic)
    traffic = make_traffic(3)
    records = traffic.records[: -traffic.garbage]  # the traffic's own garbage left out: one poison here
    poison = _poison(records[0])
    await produce(kafka_bootstrap, topic, [poison, *records])

    db, mark, log = tmp_path / "ledger.sqlite3", tmp_path / "dead-lettered", tmp_path / "hub.log"
    command = [
        sys.executable,
        "-c",
        _STALLED,
        str(mark),
        "--bootstrap-servers",
        kafka_bootstrap,
        "--database-url",
        f"sqlite:///{db}",
        "--topic-prefix",
        topic_prefix,
        "--group-id",
        group_id,
        "--http-port",
        "0",
    ]
    with log.open("wb") as out:
        child = subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=out, env=os.environ.copy())  # noqa: ASYNC220
    try:
        deadline = time.monotonic() + 90
        while not mark.exists():
            assert child.poll() is None, log.read_text(errors="replace")[-3000:]
            assert time.monotonic() < deadline, "no dead letter was written"
            await asyncio.sleep(0.05)
        written = await written_uncommitted(kafka_bootstrap, dlq)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(30)
    assert [r.value for r in written] == [poison.value]  # in the log, not committed

    store = await open_store(f"sqlite:///{db}")
    try:
        await run_until_quiescent(create_app(settings, store), kafka_bootstrap, group_id, topic, db)
    finally:
        await store.close()
    # the killed process's transaction stays open until the broker aborts it (the writer's transaction
    # timeout); read_committed readers see nothing past it until then
    deadline = time.monotonic() + 60
    while not (letters := [r for r in await read_committed(kafka_bootstrap, dlq) if r.value == poison.value]):
        assert time.monotonic() < deadline, "the restart's dead letter never became visible"
        await asyncio.sleep(0.5)
    assert len(letters) == 1  # the killed attempt aborted, the restart's committed
    assert rows(db, "SELECT count(*) FROM processed_events") == [(traffic.distinct,)]
