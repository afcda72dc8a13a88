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
import datetime as dt
import time
import traceback
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from enum import Enum
from typing import Any, TypeVar

import structlog
from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition
from aiokafka.coordinator.assignors.range import RangePartitionAssignor
from aiokafka.errors import CommitFailedError, IllegalStateError, KafkaError

from connectors.errors import EventRefusedError, PublishError
from connectors.portal.dead_letters import consumed_context, dead_letter_headers
from connectors.portal.lookup import DossierLookup
from connectors.portal.moves import Move, Mover, pending_in_tiers
from connectors.portal.outcomes import lookup_envelope, outcome_envelope, reason_code
from connectors.portal.redaction import safe_message
from connectors.portal.retries import KAFKA_PUBLISH, Sleep, retried
from connectors.portal.settings import PortalConnectorSettings
from connectors.portal.stats import ConnectorStats
from connectors.portal.sync import DossierSync, SyncReport
from connectors.portal.tiers import (
    HELD_REASON,
    HoldBook,
    RetryStamp,
    TierPlan,
    original_headers,
    read_stamp,
    stamped_headers,
)
from connectors.portal.topics import ConnectorTopics
from connectors.publishing import EventPublisher
from contracts import (
    PORTAL_COMMAND_TOPIC,
    ContractError,
    Envelope,
    EventData,
    PortalLookupRequested,
    PortalSyncRequested,
    decode,
)

__all__ = ["CommandConsumer"]

T = TypeVar("T")

_log = structlog.get_logger("connectors.portal.consumer")
_POLL_TIMEOUT_MS = 500


class _Verdict(Enum):
    DONE = "done"
    STOPPED = "stopped"
    REVOKED = "revoked"
    BACK_OFF = "back_off"
    WAITING = "waiting"
    """A tier's partition whose next record is not due yet: paused until it is."""


class StampUnreadableError(Exception):
    """A record on a retry tier whose ``retry_*`` headers are missing or unreadable."""

    reason_code = "retry_stamp_unreadable"


@dataclass(frozen=True, slots=True)
class _Source:
    """Where a command stands in its dossier's order: its command-topic coordinates, and its tier stamp."""

    tier: int
    origin_offset: int
    origin_timestamp_ms: int
    stamp: RetryStamp | None


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
        self._sync = sync
        self._lookup = lookup
        self._publisher = publisher
        self._mover = mover
        self._stats = stats
        self._sleep = sleep
        self._grace = shutdown_grace_s
        self._idle = asyncio.Event()
        self._idle.set()
        self.book = HoldBook()
        """The dossiers with commands in the tiers, per partition number (read by tests and the stats)."""
        self._unread: set[int] = set()
        """Partition numbers assigned since their tiers were last read back."""
        self._paused_until: dict[TopicPartition, float] = {}

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
                        move = await self._handle(record, tier)
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

    def _source(self, record: Any, tier: int) -> _Source:
        if tier == 0:
            return _Source(0, record.offset, record.timestamp, None)
        stamp = read_stamp(record.headers)
        if stamp is None:
            raise StampUnreadableError(f"a record on retry tier {tier} without a readable retry_* stamp")
        return _Source(tier, stamp.origin_offset, stamp.origin_timestamp_ms, stamp)

    async def _handle(self, record: Any, tier: int) -> Move | None:
        """Carry out one record; returns the move (to a tier, or a dead letter) it asks for, if any."""
        with structlog.contextvars.bound_contextvars(
            topic=record.topic, partition=record.partition, offset=record.offset
        ):
            try:
                source = self._source(record, tier)
            except StampUnreadableError as exc:
                return self._dead_letter(record, _Source(tier, record.offset, record.timestamp, None), exc)
            try:
                envelope = decode(record.key, record.value, original_headers(record.headers))
                command = envelope.data
                if not isinstance(command, PortalSyncRequested | PortalLookupRequested):
                    raise EventRefusedError(
                        f"{envelope.type} is not a portal command: {self._topics.commands} carries "
                        f"{' and '.join(PORTAL_COMMAND_TOPIC.event_types)} only"
                    )
            except (ContractError, EventRefusedError) as exc:
                return self._dead_letter(record, source, exc)
            if isinstance(command, PortalLookupRequested):
                with structlog.contextvars.bound_contextvars(
                    event_id=envelope.id, dossier_code=command.dossier_code, reason=command.reason.value
                ):
                    return await self._lookup_one(record, source, envelope, command)
            with structlog.contextvars.bound_contextvars(
                event_id=envelope.id, dossier_code=command.dossier_code, revision=command.revision
            ):
                return await self._sync_one(record, source, envelope, command)

    async def _sync_one(
        self, record: Any, source: _Source, envelope: Envelope[EventData], command: PortalSyncRequested
    ) -> Move | None:
        partition, key = record.partition, record.key
        head = self.book.head(partition, key)
        if head is not None and head.origin_offset != source.origin_offset:
            return self._hold(record, source, head.tier)
        self._stats.commands += 1
        try:
            report = await self._sync.run(command)
            outcome = outcome_envelope(envelope.id, command, report, source=self._settings.source)
        except Exception as exc:  # noqa: BLE001 - a defect of the connector: keep the command for a replay
            _log.error(  # no traceback: its rendering may show local values, i.e. personal data
                "processing failed unexpectedly; dead-lettering the command",
                error_class=type(exc).__name__,
                error=safe_message(str(exc)),
                where=_origin(exc),
            )
            self.book.remove(partition, key, source.origin_offset)
            return self._dead_letter(record, source, exc)
        error = report.error
        tried = 1 + (0 if source.stamp is None else source.stamp.attempts)
        if error is not None and error.retriable and tried <= self._plan.last:
            # its own tries pick the tier: a command held behind another starts at the first one
            return self._park(record, source, report, tried)
        await self._publish(lambda: self._publisher.publish(outcome))
        self.book.remove(partition, key, source.origin_offset)
        if error is None:
            self._stats.completed += 1
            if source.tier:
                self._stats.tier_completed += 1
            _log.info(
                "sync completed",
                status=int(report.status),
                created=report.created,
                attempts=report.attempts,
                tier=source.tier,
                outcome_id=outcome.id,
            )
            return None
        self._stats.failed += 1
        _log.warning(
            "sync failed",
            status=int(report.status),
            retriable=error.retriable,
            reason_code=reason_code(error),
            attempts=report.attempts,
            tier=source.tier,
            error=safe_message(str(error)),
            outcome_id=outcome.id,
        )
        if error.retriable and self._plan.delays:  # the last tier failed too: an operator decides
            first = None if source.stamp is None else source.stamp.first_failure_at
            return self._dead_letter(record, source, error, attempts=tried, first_failure_at=first)
        return None

    def _hold(self, record: Any, source: _Source, tier: int) -> Move:
        """Forward a command behind its dossier's parked one, to that one's tier."""
        earlier = source.stamp
        stamp = RetryStamp(
            tier=tier,
            due_at_ms=0,
            origin_offset=source.origin_offset,
            origin_timestamp_ms=source.origin_timestamp_ms,
            attempts=0 if earlier is None else earlier.attempts,
            first_failure_at=None if earlier is None else earlier.first_failure_at,
            reason_code=HELD_REASON,
        )
        self.book.put(record.partition, record.key, source.origin_offset, tier)
        self._stats.held += 1
        _log.info("held behind the dossier's parked command", tier=tier)
        return self._move(record, self._plan.topic(tier), stamp)

    def _park(self, record: Any, source: _Source, report: SyncReport, tier: int) -> Move:
        """Park a sync the portal could not take in ``tier``, due after that tier's delay."""
        assert report.error is not None
        now = dt.datetime.now(dt.UTC)
        earlier = source.stamp
        delay = self._plan.delay(tier)
        stamp = RetryStamp(
            tier=tier,
            due_at_ms=int((now.timestamp() + delay) * 1000),
            origin_offset=source.origin_offset,
            origin_timestamp_ms=source.origin_timestamp_ms,
            attempts=(0 if earlier is None else earlier.attempts) + 1,
            first_failure_at=(earlier.first_failure_at if earlier is not None else None) or now,
            reason_code=reason_code(report.error),
        )
        self.book.put(record.partition, record.key, source.origin_offset, tier)
        self._stats.parked += 1
        _log.warning(
            "sync parked in a retry tier",
            tier=tier,
            due_in_s=delay,
            attempts=stamp.attempts,
            reason_code=stamp.reason_code,
            error=safe_message(str(report.error)),
        )
        return self._move(record, self._plan.topic(tier), stamp)

    @staticmethod
    def _move(record: Any, topic: str, stamp: RetryStamp) -> Move:
        return Move(topic, record.partition, record.key, record.value, stamped_headers(record.headers, stamp))

    async def _lookup_one(
        self, record: Any, source: _Source, envelope: Envelope[EventData], command: PortalLookupRequested
    ) -> Move | None:
        self._stats.lookups += 1
        try:
            report = await self._lookup.run(command)
            if report.error is not None:
                self._stats.lookups_failed += 1
                _log.warning(  # nothing to publish: the hub asks again when no answer comes
                    "lookup failed; no outcome published",
                    retriable=report.error.retriable,
                    reason_code=reason_code(report.error),
                    attempts=report.attempts,
                    error=safe_message(str(report.error)),
                )
                return None
            outcome = lookup_envelope(envelope.id, command, report, source=self._settings.source)
        except Exception as exc:  # noqa: BLE001 - a defect of the connector: keep the command for a replay
            _log.error(
                "processing failed unexpectedly; dead-lettering the command",
                error_class=type(exc).__name__,
                error=safe_message(str(exc)),
                where=_origin(exc),
            )
            return self._dead_letter(record, source, exc)
        await self._publish(lambda: self._publisher.publish(outcome))
        _log.info(
            "lookup completed",
            found=report.found,
            status=None if report.status is None else int(report.status),
            attempts=report.attempts,
            outcome_id=outcome.id,
        )
        return None

    def _dead_letter(
        self,
        record: Any,
        source: _Source,
        error: BaseException,
        *,
        attempts: int = 1,
        first_failure_at: dt.datetime | None = None,
    ) -> Move:
        """The dead letter of ``record``: as it was on the command topic, with the failure's context."""
        now = dt.datetime.now(dt.UTC)
        topic = self._topics.commands if source.stamp is not None or source.tier == 0 else record.topic
        context = consumed_context(
            topic, record.partition, source.origin_offset, source.origin_timestamp_ms, self._settings.group_id
        )
        headers = dead_letter_headers(
            original_headers(record.headers),
            error,
            context=context,
            attempts=attempts,
            first_failure_at=first_failure_at or now,
            last_failure_at=now,
        )
        self._stats.dead_lettered += 1
        _log.warning(
            "record dead-lettered",
            error_class=type(error).__name__,
            reason=safe_message(str(error)),
            attempts=attempts,
            tier=source.tier,
        )
        return Move(self._topics.command_dead_letters, record.partition, record.key, record.value, headers)

    async def _publish(self, send: Callable[[], Awaitable[T]]) -> T:
        return await retried(KAFKA_PUBLISH, send, sleep=self._sleep)

    async def _pause(self, stop: asyncio.Event, seconds: float) -> None:
        try:
            await asyncio.wait_for(stop.wait(), timeout=seconds)
        except TimeoutError:
            return


def _origin(error: BaseException) -> str:
    """``file:line in function`` of the frame that raised ``error``."""
    frames = traceback.extract_tb(error.__traceback__)
    if not frames:
        return "unknown"
    last = frames[-1]
    return f"{last.filename}:{last.lineno} in {last.name}"
