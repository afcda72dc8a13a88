"""The command consumer: portal commands in, their outcomes out, offsets committed after the effect.

For each record of ``lienthong.portal.commands.v1`` (each dossier's records in order; different dossiers,
and partitions, side by side): decode it; carry it out — a ``PortalSyncRequested`` syncs the dossier
(:mod:`connectors.portal.sync`), a ``PortalLookupRequested`` looks it up (:mod:`connectors.portal.lookup`);
publish the outcome and wait for Kafka's acknowledgement; only then commit the offset, up to the last of a
partition's records that are all done. A lookup the portal did not answer within its retries publishes no
outcome and is committed all the same: it changed nothing, and the hub asks again when no answer came.

A sync that met only transient errors (portal 5xx, timeouts, 429, an open circuit) through its in-process
retries is parked in the delayed retry tiers and climbs them (:mod:`connectors.portal.tiers`); the dossier's
later commands are held behind it. The same consumer reads the tiers: a tier's partition is paused until its
first record is due. What no tier could sync is dead-lettered, and its ``PortalSyncFailed`` published. A
record that does not decode, or carries another event type, is dead-lettered at once, byte for byte, as is a
command the connector itself failed on (a defect), so an operator can replay it once fixed. Every move and
dead letter is committed with its source offset in one transaction (:mod:`connectors.portal.moves`).

When Kafka does not acknowledge an outcome or a move, the partition is rewound to that record and the loop
pauses (``publish_backoff_seconds``) before polling again: the record is retried, never skipped, and the
loop does not spin.

Guards against aiokafka's known pitfalls:

* auto-commit is off, so ``stop()`` commits nothing (aiokafka #900): only offsets of processed records are
  committed, explicitly;
* a sync is bounded by ``sync_deadline_seconds`` and a poll returns at most ``max_batch_records``, and
  ``max_poll_interval_ms`` (and the rebalance timeout) are set above the slowest possible batch (#848);
* on a rebalance, revoking partitions waits for the batch in flight, whose commits still count; the range
  assignor gives partition *n* of the command topic and of every tier to the same member.

Shutdown (the ``stop`` event): the records in flight finish and are committed, the rest of the batch is left
for the next owner; if finishing takes longer than ``shutdown_grace_s``, the work is abandoned uncommitted
(it is delivered again, and its outcome carries the same id).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable
from enum import Enum
from typing import Any

import structlog
from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition
from aiokafka.coordinator.assignors.range import RangePartitionAssignor
from aiokafka.errors import CommitFailedError, IllegalStateError, KafkaError

from connectors.errors import PublishError
from connectors.portal.commands import CommandHandler
from connectors.portal.lookup import DossierLookup
from connectors.portal.moves import Move, Mover, pending_in_tiers
from connectors.portal.retries import Sleep
from connectors.portal.settings import PortalConnectorSettings
from connectors.portal.stats import ConnectorStats
from connectors.portal.sync import DossierSync
from connectors.portal.tiers import HoldBook, TierPlan, read_stamp
from connectors.portal.topics import ConnectorTopics
from connectors.publishing import EventPublisher

__all__ = ["CommandConsumer"]

_log = structlog.get_logger("connectors.portal.consumer")
_POLL_TIMEOUT_MS = 500


class _Verdict(Enum):
    DONE = "done"
    STOPPED = "stopped"
    REVOKED = "revoked"
    BACK_OFF = "back_off"
    WAITING = "waiting"
    """A tier's partition whose next record is not due yet: paused until it is."""


class _DrainOnRevoke(ConsumerRebalanceListener):  # type: ignore[misc]
    """Lets the batch in flight finish (and commit) before its partitions go to another member, and has the
    tiers of newly assigned partitions read back before their records are processed."""

    def __init__(self, idle: asyncio.Event, on_assigned: Callable[[Iterable[TopicPartition]], None]) -> None:
        self._idle = idle
        self._on_assigned = on_assigned

    async def on_partitions_revoked(self, revoked: Iterable[TopicPartition]) -> None:
        if revoked:
            await self._idle.wait()
            _log.info("partitions revoked", partitions=sorted(str(tp) for tp in revoked))

    async def on_partitions_assigned(self, assigned: Iterable[TopicPartition]) -> None:
        self._on_assigned(assigned)
        _log.info("partitions assigned", partitions=sorted(str(tp) for tp in assigned))


class CommandConsumer:
    """Consumes sync and lookup commands, and their retry tiers, until ``stop`` is set."""

    def __init__(
        self,
        settings: PortalConnectorSettings,
        *,
        sync: DossierSync,
        lookup: DossierLookup,
        publisher: EventPublisher,
        mover: Mover,
        stats: ConnectorStats,
        sleep: Sleep = asyncio.sleep,
        shutdown_grace_s: float = 20.0,
    ) -> None:
        self._settings = settings
        self._topics = ConnectorTopics(settings.topic_prefix)
        self._plan = TierPlan(self._topics.commands, settings.retry_tier_seconds)
        self._handler = CommandHandler(
            topics=self._topics,
            plan=self._plan,
            group_id=settings.group_id,
            source=settings.source,
            sync=sync,
            lookup=lookup,
            publisher=publisher,
            stats=stats,
            sleep=sleep,
        )
        self._mover = mover
        self._stats = stats
        self._grace = shutdown_grace_s
        self._idle = asyncio.Event()
        self._idle.set()
        self._unread: set[int] = set()
        """Partition numbers assigned since their tiers were last read back."""
        self._paused_until: dict[TopicPartition, float] = {}

    @property
    def book(self) -> HoldBook:
        """The dossiers with commands in the tiers, per partition number."""
        return self._handler.book

    def _consumer(self) -> AIOKafkaConsumer:
        settings = self._settings
        return AIOKafkaConsumer(
            bootstrap_servers=settings.kafka_bootstrap_servers,
            group_id=settings.group_id,
            client_id=f"{settings.group_id}-commands",
            enable_auto_commit=False,
            isolation_level="read_committed",
            auto_offset_reset="earliest",
            max_poll_records=settings.max_batch_records,
            max_poll_interval_ms=settings.max_poll_interval_ms,
            rebalance_timeout_ms=settings.max_poll_interval_ms,
            partition_assignment_strategy=(RangePartitionAssignor,),
        )

    def _scanner(self) -> AIOKafkaConsumer:
        return AIOKafkaConsumer(
            bootstrap_servers=self._settings.kafka_bootstrap_servers,
            client_id=f"{self._settings.group_id}-tier-reader",
            enable_auto_commit=False,
            isolation_level="read_committed",
        )

    def _assigned(self, assigned: Iterable[TopicPartition]) -> None:
        numbers = {tp.partition for tp in assigned}
        self._unread |= numbers
        self._paused_until = {tp: t for tp, t in self._paused_until.items() if tp.partition not in numbers}

    async def run(self, stop: asyncio.Event) -> None:
        consumer = self._consumer()
        scanner = self._scanner()
        consumer.subscribe(
            [self._topics.commands, *self._plan.topics],
            listener=_DrainOnRevoke(self._idle, self._assigned),
        )
        await scanner.start()
        await consumer.start()
        _log.info(
            "consuming portal commands",
            topic=self._topics.commands,
            tiers=list(self._plan.topics),
            group=self._settings.group_id,
        )
        try:
            while not stop.is_set():
                self._resume_due(consumer)
                batches = await consumer.getmany(
                    timeout_ms=self._poll_timeout_ms(), max_records=self._settings.max_batch_records
                )
                if not batches:
                    continue
                self._idle.clear()
                try:
                    await self._read_back(consumer, scanner)
                    verdicts = await self._finish(self._batch(consumer, batches, stop), stop)
                finally:
                    self._idle.set()
                if _Verdict.BACK_OFF in verdicts and not stop.is_set():
                    self._stats.publish_backoffs += 1
                    await self._pause(stop, self._settings.publish_backoff_seconds)
        finally:
            await consumer.stop()
            await scanner.stop()
            _log.info("command consumer stopped", **self._stats.as_dict())

    def _poll_timeout_ms(self) -> int:
        if not self._paused_until:
            return _POLL_TIMEOUT_MS
        soonest = min(self._paused_until.values()) - time.time()
        return max(10, min(_POLL_TIMEOUT_MS, int(soonest * 1000) + 1))

    def _resume_due(self, consumer: AIOKafkaConsumer) -> None:
        now = time.time()
        due = [tp for tp, until in self._paused_until.items() if until <= now]
        assigned = consumer.assignment()
        for tp in due:
            del self._paused_until[tp]
            if tp in assigned:
                consumer.resume(tp)

    async def _read_back(self, consumer: AIOKafkaConsumer, scanner: AIOKafkaConsumer) -> None:
        """Rebuild the holds of partitions assigned (or rewound) since they were last read."""
        if not self._unread or not self._plan.delays:
            self._unread.clear()
            return
        numbers, self._unread = self._unread, set()
        assigned = consumer.assignment()
        starts: dict[TopicPartition, int] = {}
        for number in numbers:
            for topic in self._plan.topics:
                tp = TopicPartition(topic, number)
                if tp in assigned:
                    starts[tp] = await consumer.committed(tp) or 0
        tier_of = {topic: self._plan.tier_of(topic) for topic in self._plan.topics}
        try:
            found = await pending_in_tiers(scanner, starts, tier_of)
        except KafkaError:
            self._unread |= numbers  # read them at the next batch; nothing was processed meanwhile
            raise
        by_number: dict[int, list[tuple[bytes | None, int, int]]] = {number: [] for number in numbers}
        for number, key, origin, tier in found:
            by_number.setdefault(number, []).append((key, origin, tier))
        for number, entries in by_number.items():
            self.book.reset(number, entries)
        if found:
            _log.info("commands in the retry tiers", partitions=sorted(numbers), commands=len(found))

    async def _batch(
        self, consumer: AIOKafkaConsumer, batches: dict[TopicPartition, list[Any]], stop: asyncio.Event
    ) -> list[_Verdict]:
        """Partition numbers side by side; within one, its tiers (oldest commands) first, then the topic."""
        by_number: dict[int, list[TopicPartition]] = {}
        for tp in batches:
            by_number.setdefault(tp.partition, []).append(tp)

        async def one_number(tps: list[TopicPartition]) -> list[_Verdict]:
            order = sorted(tps, key=lambda tp: self._plan.tier_of(tp.topic) or self._plan.last + 1)
            return [await self._partition(consumer, tp, batches[tp], stop) for tp in order]

        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(one_number(tps)) for tps in by_number.values()]
        return [verdict for task in tasks for verdict in task.result()]

    async def _finish(self, batch: Any, stop: asyncio.Event) -> list[_Verdict]:
        """Await the batch; once ``stop`` is set, give it ``shutdown_grace_s`` more, then abandon it."""
        work: asyncio.Task[list[_Verdict]] = asyncio.ensure_future(batch)
        stopping = asyncio.ensure_future(stop.wait())
        try:
            await asyncio.wait({work, stopping}, return_when=asyncio.FIRST_COMPLETED)
            if not work.done():
                await asyncio.wait({work}, timeout=self._grace)
        finally:
            stopping.cancel()
            if not work.done():  # the grace is over, or this task itself is being cancelled
                _log.warning("abandoning the records in flight uncommitted")
                work.cancel()
            await asyncio.gather(stopping, work, return_exceptions=True)
        if work.cancelled():
            return [_Verdict.STOPPED]
        return work.result()

    def _due(self, records: list[Any]) -> tuple[list[Any], float | None]:
        """The records of a tier's batch that are due, and when the first one that is not will be."""
        now_ms = int(time.time() * 1000)
        for index, record in enumerate(records):
            stamp = read_stamp(record.headers)
            if stamp is not None and stamp.due_at_ms > now_ms:
                return records[:index], stamp.due_at_ms / 1000
        return records, None

    async def _partition(
        self, consumer: AIOKafkaConsumer, tp: TopicPartition, records: list[Any], stop: asyncio.Event
    ) -> _Verdict:
        """One partition's records: each dossier's in order, different dossiers side by side.

        The offset committed is the end of the run of records, from the first, that are all done — with the
        moves of those records, in one transaction, when there are any. On a graceful stop the records below
        the last one done are finished first, so nothing whose outcome went out is delivered again. When Kafka
        did not acknowledge an outcome or the transaction, the partition is rewound to the first record not
        done, and the records after it that were done are delivered again (their sync is idempotent and
        their outcome carries the same id); the holds of the partition are then read back from the tiers.
        On a tier, only the records already due are taken; the partition is paused until the next one is.
        """
        tier = self._plan.tier_of(tp.topic)
        due_at: float | None = None
        if tier:
            first = records[0].offset
            records, due_at = self._due(records)
            if not records:
                return self._wait(consumer, tp, first, due_at)
        by_key: dict[Any, list[Any]] = {}
        for record in records:
            by_key.setdefault(record.key, []).append(record)
        done: set[int] = set()
        moves: dict[int, Move] = {}
        refused: list[int] = []
        lanes = asyncio.Semaphore(self._settings.key_concurrency)

        async def one_dossier(group: list[Any], *, finishing: bool = False) -> None:
            async with lanes:
                for record in group:
                    if (stop.is_set() and not finishing) or refused:
                        return
                    try:
                        move = await self._handler.handle(record, tier)
                    except PublishError as exc:
                        _log.error(
                            "Kafka did not acknowledge; the record will be processed again",
                            topic=record.topic,
                            partition=record.partition,
                            offset=record.offset,
                            error=str(exc),
                        )
                        refused.append(record.offset)
                        return
                    if move is not None:
                        moves[record.offset] = move
                    done.add(record.offset)

        await asyncio.gather(*(one_dossier(group) for group in by_key.values()))
        if stop.is_set() and not refused:
            # a graceful stop: finish the records below the last one done, so the commit covers every record
            # whose outcome went out and the next owner repeats none (each dossier's earlier ones are done)
            last_done = max(done, default=-1)
            gaps = [record for record in records if record.offset < last_done and record.offset not in done]
            await one_dossier(gaps, finishing=True)
        next_offset = records[0].offset
        for record in records:
            if record.offset not in done:
                break
            next_offset = record.offset + 1
        if next_offset <= records[-1].offset:
            self._unread.add(tp.partition)  # holds taken past the commit were not written: read them back
        if next_offset > records[0].offset:
            written = [moves[offset] for offset in sorted(moves) if offset < next_offset]
            try:
                if not await self._commit(consumer, tp, next_offset, written):
                    self._unread.add(tp.partition)
                    return _Verdict.REVOKED
            except PublishError as exc:
                _log.error("moves not committed; the records will be processed again", error=str(exc))
                self._unread.add(tp.partition)
                consumer.seek(tp, records[0].offset)
                return _Verdict.BACK_OFF
        if next_offset > records[-1].offset:
            return self._wait(consumer, tp, next_offset, due_at) if due_at is not None else _Verdict.DONE
        consumer.seek(tp, next_offset)
        return _Verdict.BACK_OFF if refused else _Verdict.STOPPED

    def _wait(
        self, consumer: AIOKafkaConsumer, tp: TopicPartition, offset: int, until: float | None
    ) -> _Verdict:
        """Pause a tier's partition at its first record not due yet, until it is."""
        consumer.seek(tp, offset)
        consumer.pause(tp)
        self._paused_until[tp] = until if until is not None else time.time()
        return _Verdict.WAITING

    async def _commit(
        self, consumer: AIOKafkaConsumer, tp: TopicPartition, offset: int, moves: list[Move]
    ) -> bool:
        """Commit ``offset`` for ``tp`` (with ``moves``, in one transaction, when there are any)."""
        if moves:
            await self._mover.commit(moves, {tp: offset})  # PublishError: the caller rewinds
            self._stats.commits += 1
            return True
        try:
            await consumer.commit({tp: offset})
        except (CommitFailedError, IllegalStateError) as exc:
            _log.warning(
                "commit refused: the partition moved to another member", error_class=type(exc).__name__
            )
            return False
        except KafkaError as exc:
            _log.warning("commit failed; the next commit covers it", error_class=type(exc).__name__)
            return True
        self._stats.commits += 1
        return True

    async def _pause(self, stop: asyncio.Event, seconds: float) -> None:
        try:
            await asyncio.wait_for(stop.wait(), timeout=seconds)
        except TimeoutError:
            return
