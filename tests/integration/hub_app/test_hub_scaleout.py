"""The hub scaled out on PostgreSQL, against the real broker: two instances in one consumer group rebalancing
mid-stream, and a hub process killed with SIGKILL mid-stream, each end with the ledger of an undisturbed run,
every event applied once, one portal sync command per revision and every offset committed to the end."""

from __future__ import annotations

import asyncio
import datetime as dt
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from aiokafka import ConsumerRecord

from contracts import PORTAL_COMMAND_TOPIC, decode
from deploy.topology import ensure_topics
from hub.app import HubApp, create_app, dead_letter_topics
from hub.settings import HubSettings
from hub.store import ApplyResult, Change, PostgresLedgerStore, open_store
from tests.fixtures.postgres import with_search_path
from tests.fixtures.processes import environment, spawn, stop_process
from tests.fixtures.province import read_topic
from tests.integration.hub_app.traffic import (
    Traffic,
    committed_and_end,
    dossier_topic,
    make_traffic,
    produce,
    store_entries,
    view_of,
    wait_until_quiescent,
)

pytestmark = [pytest.mark.kafka, pytest.mark.postgres]

_WITHIN = 90.0


class _GatedStore(PostgresLedgerStore):
    """The PostgreSQL store with a gate before each write, so the test can hold an instance mid-record; it
    notes the outbox rows its instance published."""

    def __init__(
        self, dsn: str, *, connect_timeout: float, lock_timeout: float, clock: Callable[[], dt.datetime]
    ) -> None:
        super().__init__(dsn, connect_timeout=connect_timeout, lock_timeout=lock_timeout, clock=clock)
        self.writes = 0
        self.applied = 0
        self.published: list[int] = []
        self.held = asyncio.Event()
        self._open = asyncio.Event()
        self._open.set()
        self._hold_at: int | None = None

    def hold_at(self, writes: int) -> None:
        """Hold the write after the first ``writes`` ones until :meth:`release`."""
        self._hold_at = writes
        self.held.clear()
        self._open.clear()

    def release(self) -> None:
        self._hold_at = None
        self._open.set()

    async def apply(self, change: Change) -> ApplyResult:
        if self._hold_at is not None and self.writes >= self._hold_at:
            self.held.set()
            await self._open.wait()
        self.writes += 1
        result = await super().apply(change)
        self.applied += not result.duplicate
        return result

    async def mark_published(self, ids: Iterable[int]) -> int:
        wanted = list(ids)
        self.published.extend(wanted)
        return await super().mark_published(wanted)


async def _gated(url: str) -> _GatedStore:
    store = await _GatedStore.open(url)
    assert isinstance(store, _GatedStore)
    return store


@pytest.fixture
def schema_url(postgres_url: str) -> Iterator[Callable[[], str]]:
    """A factory of URLs, each on a fresh schema of its own (dropped after the test)."""
    created: list[str] = []

    def make() -> str:
        schema = f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            conn.execute(f"CREATE SCHEMA {schema}")
        created.append(schema)
        return with_search_path(postgres_url, schema)

    yield make
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        for schema in created:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


def _settings(bootstrap: str, prefix: str, group: str, url: str) -> HubSettings:
    return HubSettings(
        kafka_bootstrap_servers=bootstrap,
        topic_prefix=prefix,
        group_id=group,
        database_url=url,
        http_enabled=False,
        relay_interval_seconds=0.2,
        retry_backoff_seconds=0.2,
    )


async def _until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + _WITHIN
    while not condition():
        assert time.monotonic() < deadline, f"not within {_WITHIN:.0f} s: {what}"
        await asyncio.sleep(0.02)


async def _count(url: str, query: str) -> int:
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        row = await (await conn.execute(query)).fetchone()
    assert row is not None
    return int(row[0])


async def _undisturbed_view(bootstrap: str, prefix: str, group: str, url: str) -> dict[str, Any]:
    """The ledger one instance, never stopped, builds from the whole topic in a group of its own."""
    store = await open_store(url)
    app = create_app(_settings(bootstrap, prefix, f"{group}-undisturbed", url), store=store)
    try:
        await app.start()
        try:
            await wait_until_quiescent(bootstrap, f"{group}-undisturbed", dossier_topic(prefix), store)
        finally:
            await app.stop()
        return view_of(await store_entries(store))
    finally:
        await store.close()


async def _assert_stored_and_committed(
    bootstrap: str, prefix: str, group: str, url: str, traffic: Traffic
) -> None:
    """Every offset committed to the end, every event applied once, one outbox row per revision, all sent."""
    committed, ends = await committed_and_end(bootstrap, group, dossier_topic(prefix))
    assert committed == ends
    assert sum(ends.values()) == len(traffic.records)
    applied = await _count(url, "SELECT count(*) FROM processed_events WHERE scope = 'entry'")
    assert applied == traffic.distinct
    assert await _count(url, "SELECT count(*) FROM outbox") == sum(traffic.revisions.values())
    assert await _count(url, "SELECT count(*) FROM outbox WHERE published_at IS NULL") == 0


async def _read_outputs(bootstrap: str, prefix: str) -> tuple[list[Any], list[ConsumerRecord[bytes, bytes]]]:
    """The commands and dead letters published so far: read them before the undisturbed run publishes its
    own on the same topics."""
    commands = await read_topic(bootstrap, f"{prefix}{PORTAL_COMMAND_TOPIC.name}")
    dead = await read_topic(bootstrap, f"{dossier_topic(prefix)}.dlq")
    return [decode(r.key, r.value, r.headers) for r in commands], dead


def _assert_outputs(
    commands: list[Any],
    dead: list[ConsumerRecord[bytes, bytes]],
    traffic: Traffic,
    *,
    repeats_allowed: int = 0,
    context: str = "",
) -> None:
    """One command per revision (up to ``repeats_allowed`` published again, with their revision's id); the
    undecodable records, and only they, dead-lettered."""
    per_revision = Counter((c.subject, c.data.revision) for c in commands)
    ids: dict[tuple[str, int], set[str]] = {}
    for c in commands:
        ids.setdefault((c.subject, c.data.revision), set()).add(c.id)
    expected = {(code, rev) for code, n in traffic.revisions.items() for rev in range(1, n + 1)}
    assert set(per_revision) == expected
    assert all(len(found) == 1 for found in ids.values()), "one command id per revision"
    originals = {(r.key, r.value, tuple(r.headers)) for r in traffic.records[-traffic.garbage :]}
    assert {
        (r.key, r.value, tuple(h for h in r.headers if not h[0].startswith("dlq_"))) for r in dead
    } == originals
    repeated = {key: n for key, n in per_revision.items() if n > 1}
    again = sum(n - 1 for n in repeated.values())
    assert again <= repeats_allowed, (
        f"{len(repeated)} of {len(expected)} revisions published more than once ({again} extra commands, "
        f"{repeats_allowed} allowed): {repeated}. {context}"
    )


async def _stop_all(apps: list[HubApp], stores: list[_GatedStore]) -> None:
    for store in stores:
        store.release()
    for app in apps:
        await app.stop()
    for store in stores:
        await store.close()


async def test_two_instances_rebalancing_mid_stream_end_with_the_undisturbed_ledger(
    kafka_bootstrap: str, topic_prefix: str, group_id: str, schema_url: Callable[[], str]
) -> None:
    """A joins, B joins while A holds a record in flight, A leaves while B does: the undisturbed ledger."""
    url = schema_url()
    settings = _settings(kafka_bootstrap, topic_prefix, group_id, url)
    await ensure_topics(kafka_bootstrap, dead_letter_topics(settings), partitions=1)
    traffic = make_traffic(60)
    topic = dossier_topic(topic_prefix)
    half = len(traffic.records) // 2
    await produce(kafka_bootstrap, topic, traffic.records[:half])

    first, second = await _gated(url), await _gated(url)
    app_a, app_b = create_app(settings, store=first), create_app(settings, store=second)
    apps, stores = [app_a], [first, second]
    try:
        first.hold_at(20)
        await app_a.start()
        await _until(first.held.is_set, "A held after 20 writes")
        # B joins while A holds a record in flight and the rest of the traffic is being produced.
        await app_b.start()
        apps.append(app_b)
        rest = asyncio.create_task(produce(kafka_bootstrap, topic, traffic.records[half:]))
        await _until(lambda: second.writes >= 3, "B took partitions over and wrote")
        assert first.writes == 20, "A was held through the rebalance"
        second.hold_at(second.writes + 10)
        first.release()
        await _until(second.held.is_set, "B held 10 writes after A's release")
        await rest
        # A leaves the group while B holds a record in flight: B takes every partition back.
        await app_a.stop()
        apps.remove(app_a)
        second.release()
        await wait_until_quiescent(kafka_bootstrap, group_id, topic, second)
        ledger = view_of(await store_entries(second))
    finally:
        await _stop_all(apps, stores)

    assert first.writes > 20, "A went on after the rebalance"
    assert second.writes > 13, "B went on after A left"
    assert first.applied + second.applied == traffic.distinct
    await _assert_stored_and_committed(kafka_bootstrap, topic_prefix, group_id, url, traffic)
    commands, dead = await _read_outputs(kafka_bootstrap, topic_prefix)
    assert ledger == await _undisturbed_view(kafka_bootstrap, topic_prefix, group_id, schema_url())
    both = sorted(set(first.published) & set(second.published))
    resent = {
        name: len(store.published) - len(set(store.published))
        for name, store in (("A", first), ("B", second))
    }
    context = (
        f"Outbox rows published by A: {len(first.published)}, by B: {len(second.published)}, "
        f"by both: {len(both)} (ids {both}); published again by the same instance: {resent}"
    )
    _assert_outputs(commands, dead, traffic, context=context)


def _start_process(settings: HubSettings, log: Path) -> subprocess.Popen[bytes]:
    command = [
        sys.executable,
        "-c",
        "from deploy.cli.hub import hub; hub()",
        "--bootstrap-servers",
        settings.kafka_bootstrap_servers,
        "--database-url",
        settings.database_url,
        "--topic-prefix",
        settings.topic_prefix,
        "--group-id",
        settings.group_id,
        "--http-port",
        "0",
    ]
    extra = {"relay_interval_seconds": "0.2", "retry_backoff_seconds": "0.2"}
    return spawn(command, env=environment("LIENTHONG_HUB_", extra), log=log)


def _tail(log: Path) -> str:
    return log.read_text(errors="replace")[-3000:]


async def _wait_committed(
    process: subprocess.Popen[bytes], log: Path, settings: HubSettings, records: int
) -> None:
    """Return once the group committed ``records`` records of the dossier topic; fail if the process ends."""
    topic = dossier_topic(settings.topic_prefix)
    deadline = time.monotonic() + _WITHIN
    while True:
        assert process.poll() is None, _tail(log)
        committed, _ = await committed_and_end(settings.kafka_bootstrap_servers, settings.group_id, topic)
        if sum(max(offset, 0) for offset in committed.values()) >= records:
            return
        assert time.monotonic() < deadline, f"fewer than {records} records committed: {committed}"
        await asyncio.sleep(0.05)


async def test_a_hub_process_killed_mid_stream_on_postgresql_ends_with_the_undisturbed_ledger(
    kafka_bootstrap: str, topic_prefix: str, group_id: str, schema_url: Callable[[], str], tmp_path: Path
) -> None:
    """SIGKILL while records still arrive, start again on the same database and group: the same ledger."""
    url, log = schema_url(), tmp_path / "hub.log"
    settings = _settings(kafka_bootstrap, topic_prefix, group_id, url)
    traffic = make_traffic(60)
    topic = dossier_topic(topic_prefix)
    half = len(traffic.records) // 2
    await produce(kafka_bootstrap, topic, traffic.records[:half])

    first = _start_process(settings, log)
    try:
        await _wait_committed(first, log, settings, 10)
    finally:
        first.kill()
        first.wait(timeout=30)
    assert first.returncode == -9
    applied_when_killed = await _count(url, "SELECT count(*) FROM processed_events")
    assert applied_when_killed < traffic.distinct, "the second half was not even produced"
    # Rows the killed run may have published without marking them: the new run publishes them again.
    unmarked = await _count(url, "SELECT count(*) FROM outbox WHERE published_at IS NULL")
    await produce(kafka_bootstrap, topic, traffic.records[half:])

    second = _start_process(settings, log)
    try:
        store = await open_store(url)
        try:
            await wait_until_quiescent(kafka_bootstrap, group_id, topic, store)
            ledger = view_of(await store_entries(store))
        finally:
            await store.close()
    finally:
        stop_process(second, timeout=60)
    assert second.returncode == 0, _tail(log)

    await _assert_stored_and_committed(kafka_bootstrap, topic_prefix, group_id, url, traffic)
    commands, dead = await _read_outputs(kafka_bootstrap, topic_prefix)
    assert ledger == await _undisturbed_view(kafka_bootstrap, topic_prefix, group_id, schema_url())
    _assert_outputs(commands, dead, traffic, repeats_allowed=unmarked)
