"""Dossier traffic with known truth for the hub app's tests: events, duplicates, late arrivals, garbage."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import GroupCoordinatorNotAvailableError

from contracts import DOSSIER_TOPIC, Envelope, KafkaRecord, encode
from hub.app import HubApp, create_app
from hub.rules import LedgerEntry
from hub.settings import HubSettings
from hub.store import LedgerStore, open_store
from tests.fixtures.province import dossier_code
from tests.unit.hub.factories import at, event

__all__ = [
    "Traffic",
    "committed_and_end",
    "dossier_topic",
    "entries",
    "ledger_view",
    "make_traffic",
    "produce",
    "read_committed",
    "rows",
    "run_until_part_done",
    "run_until_quiescent",
    "running_hub",
    "send_envelopes",
    "store_entries",
    "stored_entry",
    "view_of",
    "wait_for",
    "wait_until_quiescent",
]

_STATUSES = (2, 4, 4, 4)
_QUIESCENT_WITHIN = 90.0


@dataclass
class Traffic:
    """What was sent and what the ledger must end with."""

    records: list[KafkaRecord] = field(default_factory=list)
    latest: dict[str, str] = field(default_factory=dict)
    """Dossier code -> id of the event whose snapshot must be current."""
    revisions: dict[str, int] = field(default_factory=dict)
    regressions: dict[str, int] = field(default_factory=dict)
    distinct: int = 0
    garbage: int = 0


def make_traffic(dossiers: int) -> Traffic:
    """Four events per dossier; every third dossier's second event arrives late, every fourth is re-sent."""
    traffic = Traffic()
    for seq in range(dossiers):
        code = dossier_code(seq)
        events = [encode(event(s, at(1, 9 + i), f"d{seq}-e{i}", code=code)) for i, s in enumerate(_STATUSES)]
        order = [0, 2, 1, 3] if seq % 3 == 0 else [0, 1, 2, 3]
        traffic.records.extend(events[i] for i in order)
        if seq % 4 == 0:
            traffic.records.extend([events[0], events[3]])
        traffic.latest[code] = f"d{seq}-e3"
        traffic.revisions[code] = 3 if seq % 3 == 0 else 4
        traffic.regressions[code] = 1 if seq % 3 == 0 else 0
        traffic.distinct += 4
    good = traffic.records[0]
    traffic.records.extend(
        [
            KafkaRecord(key=good.key, value=b"not json", headers=good.headers),
            KafkaRecord(key=good.key, value=good.value, headers=()),
            KafkaRecord(key=b"wrong-key", value=good.value, headers=good.headers),
        ]
    )
    traffic.garbage = 3
    return traffic


async def produce(bootstrap: str, topic: str, records: list[KafkaRecord]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        for record in records:
            await producer.send_and_wait(topic, record.value, key=record.key, headers=list(record.headers))
    finally:
        await producer.stop()


async def committed_and_end(bootstrap: str, group: str, topic: str) -> tuple[dict[int, int], dict[int, int]]:
    """The group's committed offsets and the end offsets of ``topic``, by partition."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await admin.start()
    await consumer.start()
    try:
        (described,) = await admin.describe_topics([topic])
        partitions = [TopicPartition(topic, p["partition"]) for p in described["partitions"]]
        assert partitions, f"{topic} has no partitions"
        ends = await consumer.end_offsets(partitions)
        try:
            offsets = await admin.list_consumer_group_offsets(group, partitions=partitions)
        except GroupCoordinatorNotAvailableError:  # the group has not committed anything yet
            offsets = {}
        committed = {tp.partition: meta.offset for tp, meta in offsets.items() if meta is not None}
        return committed, {tp.partition: end for tp, end in ends.items()}
    finally:
        await consumer.stop()
        await admin.close()


async def run_until_quiescent(
    app: HubApp,
    bootstrap: str,
    group: str,
    topic: str,
    db: Path,
    *,
    before_stop: Callable[[], Awaitable[None]] | None = None,
) -> None:
    """Start ``app``, wait until every record of ``topic`` is committed and the outbox is empty, stop it."""
    await app.start()
    try:
        deadline = time.monotonic() + _QUIESCENT_WITHIN
        while True:
            committed, ends = await committed_and_end(bootstrap, group, topic)
            pending = _exists(db) and rows(db, "SELECT count(*) FROM outbox WHERE published_at IS NULL")[0][0]
            if all(max(committed.get(p, 0), 0) >= end for p, end in ends.items()) and not pending:
                if before_stop is not None:
                    await before_stop()
                return
            assert time.monotonic() < deadline, f"not quiescent: committed {committed}, ends {ends}"
            await asyncio.sleep(0.3)
    finally:
        await app.stop()


async def run_until_part_done(app: HubApp, bootstrap: str, group: str, topic: str, records: int) -> int:
    """Start ``app``, stop it once a third of ``records`` are committed; how many were committed by then."""
    await app.start()
    try:
        deadline = time.monotonic() + _QUIESCENT_WITHIN
        while True:
            committed, _ends = await committed_and_end(bootstrap, group, topic)
            done = sum(committed.values())
            if done >= records // 3:
                return done
            assert time.monotonic() < deadline, f"only {done} records committed"
            await asyncio.sleep(0.01)
    finally:
        await app.stop()


def rows(db: Path, sql: str) -> list[tuple[Any, ...]]:
    """Rows of ``sql`` read straight from the hub's SQLite file, outside the store."""
    with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
        return conn.execute(sql).fetchall()


def _exists(db: Path) -> bool:
    return db.exists()


def entries(db: Path) -> dict[str, LedgerEntry]:
    """Every ledger entry in the hub's SQLite file, by dossier code."""
    found = rows(db, "SELECT dossier_code, entry FROM ledger_entries")
    return {code: LedgerEntry.model_validate_json(raw) for code, raw in found}


def ledger_view(db: Path) -> dict[str, Any]:
    """What must not depend on timing: per dossier, the revision, the current event and the history."""
    return view_of(entries(db))


def view_of(ledger: Mapping[str, LedgerEntry]) -> dict[str, Any]:
    """:func:`ledger_view` of entries however they were read (a SQLite file, a store)."""
    view: dict[str, Any] = {}
    for code, entry in ledger.items():
        assert entry.province is not None
        view[code] = (
            entry.revision,
            entry.province.event,
            sorted((tuple(r.event), r.revision) for r in entry.history),
        )
    return view


async def store_entries(store: LedgerStore) -> dict[str, LedgerEntry]:
    """Every ledger entry ``store`` holds, by dossier code, read through the store (any adapter)."""
    return {
        stored.dossier_code: LedgerEntry.model_validate_json(stored.entry_json)
        async for stored in store.entries()
    }


async def wait_until_quiescent(bootstrap: str, group: str, topic: str, store: LedgerStore) -> None:
    """Return once ``group`` committed every record of ``topic`` and ``store``'s outbox is empty."""
    deadline = time.monotonic() + _QUIESCENT_WITHIN
    while True:
        committed, ends = await committed_and_end(bootstrap, group, topic)
        pending = await store.pending_outbox(limit=1)
        if all(max(committed.get(p, 0), 0) >= end for p, end in ends.items()) and not pending:
            return
        assert time.monotonic() < deadline, f"not quiescent: committed {committed}, ends {ends}, {pending=}"
        await asyncio.sleep(0.3)


def dossier_topic(prefix: str) -> str:
    return f"{prefix}{DOSSIER_TOPIC.name}"


async def read_committed(bootstrap: str, topic: str) -> list[Any]:
    """Every record of ``topic`` a ``read_committed`` consumer sees now (aborted transactions left out)."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        isolation_level="read_committed",
    )
    await consumer.start()
    try:
        deadline = time.monotonic() + 30
        while not consumer.assignment():
            assert time.monotonic() < deadline, f"no partitions of {topic} within 30 s"
            await asyncio.sleep(0.05)
        partitions = sorted(consumer.assignment())
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)  # the last stable offsets under read_committed
        records: list[Any] = []
        while True:
            positions = [await consumer.position(tp) for tp in partitions]
            if all(position >= ends[tp] for position, tp in zip(positions, partitions, strict=True)):
                return records
            assert time.monotonic() < deadline, f"{topic} not read to its end within 30 s"
            for batch in (await consumer.getmany(timeout_ms=500)).values():
                records.extend(batch)
    finally:
        await consumer.stop()


@contextlib.asynccontextmanager
async def running_hub(settings: HubSettings, db: Path) -> AsyncIterator[LedgerStore]:
    """The hub app running in this process over a SQLite ledger at ``db``; yields its store."""
    store = await open_store(f"sqlite:///{db}")
    app = create_app(settings, store)
    await app.start()
    try:
        yield store
    finally:
        await app.stop()
        await store.close()


async def wait_for(what: str, check: Callable[[], Awaitable[bool]], *, within: float = 60.0) -> None:
    """Return once ``check()`` is true; fail saying ``what`` did not happen within ``within`` seconds."""
    deadline = time.monotonic() + within
    while not await check():
        assert time.monotonic() < deadline, f"not within {within:.0f} s: {what}"
        await asyncio.sleep(0.1)


async def send_envelopes(bootstrap: str, prefix: str, topic: str, *envelopes: Envelope[Any]) -> None:
    """Produce ``envelopes`` (binary-mode CloudEvents) on ``<prefix><topic>``."""
    await produce(bootstrap, f"{prefix}{topic}", [encode(e) for e in envelopes])


async def stored_entry(store: LedgerStore, code: str) -> LedgerEntry | None:
    stored = await store.load(code)
    return None if stored is None else LedgerEntry.model_validate_json(stored.entry_json)
