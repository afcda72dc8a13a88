"""``lienthong hub`` as a process: killed with SIGKILL mid-stream and started again, it ends where an
undisturbed run ends; SIGTERM stops it cleanly."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hub.app import create_app
from hub.settings import HubSettings
from tests.integration.hub_app.traffic import (
    committed_and_end,
    dossier_topic,
    ledger_view,
    make_traffic,
    produce,
    read_committed,
    rows,
    run_until_quiescent,
)

pytestmark = pytest.mark.kafka

ROOT = Path(__file__).resolve().parents[3]
_WITHIN = 90.0


def _start(bootstrap: str, prefix: str, group: str, db: Path, log: Path) -> subprocess.Popen[bytes]:
    command = [
        sys.executable,
        "-c",
        "from deploy.cli.hub import hub; hub()",
        "--bootstrap-servers",
        bootstrap,
        "--database-url",
        f"sqlite:///{db}",
        "--topic-prefix",
        prefix,
        "--group-id",
        group,
        "--http-port",
        "0",
    ]
    with log.open("ab") as out:
        return subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=out, env=os.environ.copy())


async def _wait_committed(bootstrap: str, group: str, topic: str, at_least: int) -> int:
    deadline = time.monotonic() + _WITHIN
    while True:
        committed, _ = await committed_and_end(bootstrap, group, topic)
        done = sum(max(offset, 0) for offset in committed.values())
        if done >= at_least:
            return done
        assert time.monotonic() < deadline, f"only {done} of {at_least} records committed"
        await asyncio.sleep(0.05)


async def test_a_hub_killed_mid_stream_and_restarted_ends_with_the_undisturbed_ledger(
    kafka_bootstrap: str, topic_prefix: str, group_id: str, tmp_path: Path
) -> None:
    """SIGKILL part way through, start again on the same store and group: same ledger, no double effect."""
    db, log = tmp_path / "ledger.sqlite3", tmp_path / "hub.log"
    traffic = make_traffic(60)
    topic = dossier_topic(topic_prefix)
    await produce(kafka_bootstrap, topic, traffic.records)
    total = len(traffic.records)

    first = _start(kafka_bootstrap, topic_prefix, group_id, db, log)
    try:
        done = await _wait_committed(kafka_bootstrap, group_id, topic, 1)
    finally:
        first.kill()
        first.wait(timeout=30)
    assert done < total, "the first run finished before it could be killed"
    second = _start(kafka_bootstrap, topic_prefix, group_id, db, log)
    try:
        await _wait_committed(kafka_bootstrap, group_id, topic, total)
        deadline = time.monotonic() + _WITHIN
        while rows(db, "SELECT count(*) FROM outbox WHERE published_at IS NULL") != [(0,)]:
            assert time.monotonic() < deadline, "outbox not drained"
            await asyncio.sleep(0.1)
    finally:
        second.send_signal(signal.SIGTERM)
        code = second.wait(timeout=60)
    assert code == 0, log.read_text(errors="replace")[-3000:]

    other_db = tmp_path / "undisturbed.sqlite3"
    other = HubSettings(
        kafka_bootstrap_servers=kafka_bootstrap,
        topic_prefix=topic_prefix,
        group_id=f"{group_id}-undisturbed",
        database_url=f"sqlite:///{other_db}",
        http_enabled=False,
    )
    await run_until_quiescent(create_app(other), kafka_bootstrap, other.group_id, topic, other_db)
    assert ledger_view(db) == ledger_view(other_db)
    assert rows(db, "SELECT count(*) FROM processed_events") == [(traffic.distinct,)]
    assert rows(db, "SELECT count(*) FROM outbox") == [(sum(traffic.revisions.values()),)]
    # each poison record dead-lettered exactly once by the killed-and-restarted group: the dead letter and
    # the offset past it commit in one transaction, so a kill between them leaves neither
    dead = await read_committed(kafka_bootstrap, f"{topic}.dlq")
    ours = [r for r in dead if ("dlq_consumer_group", group_id.encode()) in r.headers]
    assert len(ours) == traffic.garbage
    assert len({(r.key, r.value) for r in ours}) == traffic.garbage
