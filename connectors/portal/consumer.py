"""The command consumer: portal commands in, their outcomes out, offsets committed after the effect.

For each record of ``lienthong.portal.commands.v1`` (each dossier's records in order; different dossiers,
and partitions, side by side): decode it; carry it out — a ``PortalSyncRequested`` syncs the dossier
(:mod:`connectors.portal.sync`), a ``PortalLookupRequested`` looks it up (:mod:`connectors.portal.lookup`);
publish the outcome and wait for Kafka's acknowledgement; only then commit the offset, up to the last of a
partition's records that are all done. A lookup the portal did not answer within its retries publishes no
outcome and is committed all the same: it changed nothing, and the hub asks again when no answer came. A
record that does not decode, or carries another event type, is written to ``<commands>.dlq`` byte for byte
(:mod:`connectors.portal.dead_letters`) and its offset committed only once the dead letter is acknowledged. A
failure of the connector itself while processing (a defect) dead-letters the command too, so an operator can
replay it once fixed.

When Kafka does not acknowledge an outcome or a dead letter, the partition is rewound to that record and the
loop pauses (``publish_backoff_seconds``) before polling again: the record is retried, never skipped, and the
loop does not spin.

Guards against aiokafka's known pitfalls:

* auto-commit is off, so ``stop()`` commits nothing (aiokafka #900): only offsets of processed records are
  committed, explicitly;
* a sync is bounded by ``sync_deadline_seconds`` and a poll returns at most ``max_batch_records``, and
  ``max_poll_interval_ms`` (and the rebalance timeout) are set above the slowest possible batch (#848);
* on a rebalance, revoking partitions waits for the batch in flight, whose commits still count.

Shutdown (the ``stop`` event): the records in flight finish and are committed, the rest of the batch is left
for the next owner; if finishing takes longer than ``shutdown_grace_s``, the work is abandoned uncommitted
(it is delivered again, and its outcome carries the same id).
"""

from __future__ import annotations

import asyncio
import traceback
from collections.abc import Awaitable, Callable, Iterable
from enum import Enum
from typing import Any, TypeVar

import structlog
from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import CommitFailedError, IllegalStateError, KafkaError

from connectors.errors import EventRefusedError, PublishError
from connectors.portal.dead_letters import DeadLetterWriter
from connectors.portal.lookup import DossierLookup
from connectors.portal.outcomes import lookup_envelope, outcome_envelope, reason_code
from connectors.portal.redaction import safe_message
from connectors.portal.retries import KAFKA_PUBLISH, Sleep, retried
from connectors.portal.settings import PortalConnectorSettings
from connectors.portal.stats import ConnectorStats
from connectors.portal.sync import DossierSync
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


class _DrainOnRevoke(ConsumerRebalanceListener):  # type: ignore[misc]
    """Lets the batch in flight finish (and commit) before its partitions go to another member."""

    def __init__(self, idle: asyncio.Event) -> None:
        self._idle = idle

    async def on_partitions_revoked(self, revoked: Iterable[TopicPartition]) -> None:
        if revoked:
            await self._idle.wait()
            _log.info("partitions revoked", partitions=sorted(str(tp) for tp in revoked))

    async def on_partitions_assigned(self, assigned: Iterable[TopicPartition]) -> None:
        _log.info("partitions assigned", partitions=sorted(str(tp) for tp in assigned))


class CommandConsumer:
    """Consumes sync and lookup commands until ``stop`` is set."""

    def __init__(
        self,
        settings: PortalConnectorSettings,
        *,
        sync: DossierSync,
        lookup: DossierLookup,
        publisher: EventPublisher,
        dead_letters: DeadLetterWriter,
        stats: ConnectorStats,
        sleep: Sleep = asyncio.sleep,
        shutdown_grace_s: float = 20.0,
    ) -> None:
        self._settings = settings
        self._topics = ConnectorTopics(settings.topic_prefix)
        self._sync = sync
        self._lookup = lookup
        self._publisher = publisher
        self._dead_letters = dead_letters
        self._stats = stats
        self._sleep = sleep
        self._grace = shutdown_grace_s
        self._idle = asyncio.Event()
        self._idle.set()

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
        )

    async def run(self, stop: asyncio.Event) -> None:
        consumer = self._consumer()
        consumer.subscribe([self._topics.commands], listener=_DrainOnRevoke(self._idle))
        await consumer.start()
        _log.info("consuming portal commands", topic=self._topics.commands, group=self._settings.group_id)
        try:
            while not stop.is_set():
                batches = await consumer.getmany(
                    timeout_ms=_POLL_TIMEOUT_MS, max_records=self._settings.max_batch_records
                )
                if not batches:
                    continue
                self._idle.clear()
                try:
                    verdicts = await self._finish(self._batch(consumer, batches, stop), stop)
                finally:
                    self._idle.set()
                if _Verdict.BACK_OFF in verdicts and not stop.is_set():
                    self._stats.publish_backoffs += 1
                    await self._pause(stop, self._settings.publish_backoff_seconds)
        finally:
            await consumer.stop()
            _log.info("command consumer stopped", **self._stats.as_dict())

    async def _batch(
        self, consumer: AIOKafkaConsumer, batches: dict[TopicPartition, list[Any]], stop: asyncio.Event
    ) -> list[_Verdict]:
        async with asyncio.TaskGroup() as group:
            tasks = [
                group.create_task(self._partition(consumer, tp, records, stop))
                for tp, records in batches.items()
            ]
        return [task.result() for task in tasks]

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

    async def _partition(
        self, consumer: AIOKafkaConsumer, tp: TopicPartition, records: list[Any], stop: asyncio.Event
    ) -> _Verdict:
        """One partition's records: each dossier's in order, different dossiers side by side.

        The offset committed is the end of the run of records, from the first, that are all done. On a
        graceful stop the records below the last one done are finished first, so nothing whose outcome went
        out is delivered again. When Kafka did not acknowledge an outcome, the partition is rewound to the
        first record not done, and the records after it that were done are delivered again (their sync is
        idempotent and their outcome carries the same id).
        """
        by_key: dict[Any, list[Any]] = {}
        for record in records:
            by_key.setdefault(record.key, []).append(record)
        done: set[int] = set()
        refused: list[int] = []
        lanes = asyncio.Semaphore(self._settings.key_concurrency)

        async def one_dossier(group: list[Any], *, finishing: bool = False) -> None:
            async with lanes:
                for record in group:
                    if (stop.is_set() and not finishing) or refused:
                        return
                    try:
                        await self._handle(record)
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
        if next_offset > records[0].offset and not await self._commit(consumer, tp, next_offset):
            return _Verdict.REVOKED
        if next_offset > records[-1].offset:
            return _Verdict.DONE
        consumer.seek(tp, next_offset)
        return _Verdict.BACK_OFF if refused else _Verdict.STOPPED

    async def _commit(self, consumer: AIOKafkaConsumer, tp: TopicPartition, offset: int) -> bool:
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

    async def _handle(self, record: Any) -> None:
        with structlog.contextvars.bound_contextvars(
            topic=record.topic, partition=record.partition, offset=record.offset
        ):
            try:
                envelope = decode(record.key, record.value, record.headers)
                command = envelope.data
                if not isinstance(command, PortalSyncRequested | PortalLookupRequested):
                    raise EventRefusedError(
                        f"{envelope.type} is not a portal command: {self._topics.commands} carries "
                        f"{' and '.join(PORTAL_COMMAND_TOPIC.event_types)} only"
                    )
            except (ContractError, EventRefusedError) as exc:
                await self._dead_letter(record, exc)
                return
            if isinstance(command, PortalLookupRequested):
                with structlog.contextvars.bound_contextvars(
                    event_id=envelope.id, dossier_code=command.dossier_code, reason=command.reason.value
                ):
                    await self._lookup_one(record, envelope, command)
                return
            with structlog.contextvars.bound_contextvars(
                event_id=envelope.id, dossier_code=command.dossier_code, revision=command.revision
            ):
                await self._sync_one(record, envelope, command)

    async def _sync_one(
        self, record: Any, envelope: Envelope[EventData], command: PortalSyncRequested
    ) -> None:
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
            await self._dead_letter(record, exc)
            return
        await self._publish(lambda: self._publisher.publish(outcome))
        if report.error is None:
            self._stats.completed += 1
            _log.info(
                "sync completed",
                status=int(report.status),
                created=report.created,
                attempts=report.attempts,
                outcome_id=outcome.id,
            )
        else:
            self._stats.failed += 1
            _log.warning(
                "sync failed",
                status=int(report.status),
                retriable=report.error.retriable,
                reason_code=reason_code(report.error),
                attempts=report.attempts,
                error=safe_message(str(report.error)),
                outcome_id=outcome.id,
            )

    async def _lookup_one(
        self, record: Any, envelope: Envelope[EventData], command: PortalLookupRequested
    ) -> None:
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
                return
            outcome = lookup_envelope(envelope.id, command, report, source=self._settings.source)
        except Exception as exc:  # noqa: BLE001 - a defect of the connector: keep the command for a replay
            _log.error(
                "processing failed unexpectedly; dead-lettering the command",
                error_class=type(exc).__name__,
                error=safe_message(str(exc)),
                where=_origin(exc),
            )
            await self._dead_letter(record, exc)
            return
        await self._publish(lambda: self._publisher.publish(outcome))
        _log.info(
            "lookup completed",
            found=report.found,
            status=None if report.status is None else int(report.status),
            attempts=report.attempts,
            outcome_id=outcome.id,
        )

    async def _dead_letter(self, record: Any, error: BaseException) -> None:
        topic = self._topics.command_dead_letters
        where = await self._publish(lambda: self._dead_letters.consumed(record, error, topic=topic))
        self._stats.dead_lettered += 1
        _log.warning(
            "record dead-lettered",
            error_class=type(error).__name__,
            reason=safe_message(str(error)),
            dead_letter_offset=where[2],
        )

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
