"""Delivering routed submissions to the province's system: Kafka in, one webhook POST per record, then commit.

``lienthong connector province deliver`` runs :class:`SubmissionDelivery`: a consumer of
``lienthong.province.submissions.v1`` (its own group, auto-commit off) that, for each record in partition
order (so each dossier's records in order; partitions side by side):

1. decodes it — a record that is not a ``SubmissionRouted`` goes to ``<topic>.dlq`` byte for byte;
2. POSTs it to the webhook as a structured-mode CloudEvent (:mod:`connectors.province.webhook`), retrying
   transient failures in process (:data:`~connectors.province.webhook_client.WEBHOOK_CALL`: bounded,
   jittered, ``Retry-After`` honoured up to a cap);
3. on a 2xx, commits the offset after it; on a refusal (4xx other than 401/403/408/429), writes the dead
   letter and commits only once Kafka acknowledged it.

Anything else — the webhook still down after the retries, the secret refused, a dead letter Kafka did not
acknowledge — holds the record: the partition is rewound to it, the loop pauses (``deliver_backoff_seconds``)
and tries it again. Nothing is skipped, and no offset is committed past a record not delivered. Delivery is at
least once (a crash between the 2xx and the commit sends the record again); the webhook de-duplicates by
``ce-id``, which is the same on every repeat.

Shutdown (``stop``): the record in flight finishes (its POST completes; its retries are cut short and it stays
uncommitted unless delivered), what was done is committed, and the loop ends; past ``shutdown_grace_s`` the
work is abandoned uncommitted. Revoking partitions in a rebalance waits for the batch in flight too.
An unexpected exception stops the process rather than skip a record: a restart delivers it again.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from enum import Enum
from typing import Any, cast

import httpx
import structlog
from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import CommitFailedError, IllegalStateError, KafkaError

from connectors.errors import EventRefusedError, PublishError
from connectors.portal.producer import RecordProducer
from connectors.portal.redaction import safe_message
from connectors.portal.retries import KAFKA_PUBLISH, Sleep, retried, retrying
from connectors.province.delivery_dead_letters import DeliveryDeadLetters, ensure_dead_letter_topic
from connectors.province.settings import ProvinceSettings
from connectors.province.webhook import WebhookError, webhook_request
from connectors.province.webhook_client import WebhookClient, public_url
from contracts import ROUTED_SUBMISSION_TOPIC, ContractError, Envelope, SubmissionRouted, decode

__all__ = ["DEAD_LETTER_SUFFIX", "DeliveryStats", "SubmissionDelivery"]

DEAD_LETTER_SUFFIX = ".dlq"

_log = structlog.get_logger("province.deliver")
_POLL_TIMEOUT_MS = 500


class _Verdict(Enum):
    DONE = "done"
    HELD = "held"
    STOPPED = "stopped"
    REVOKED = "revoked"


class _StopRequestedError(Exception):
    """Raised from a retry wait once ``stop`` is set: the record is left undelivered, uncommitted."""


@dataclass
class DeliveryStats:
    """Counters of one delivery process."""

    delivered: int = 0
    """Records the webhook answered 2xx for."""
    dead_lettered: int = 0
    held: int = 0
    """Times a record was kept back to be tried again (webhook down, secret refused, dead letter unacked)."""
    backoffs: int = 0
    """Pauses of the loop before trying held records again."""
    commits: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


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


class SubmissionDelivery:
    """The delivery process's work, built from settings; nothing touches the network before :meth:`run`."""

    def __init__(
        self,
        settings: ProvinceSettings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        shutdown_grace_s: float = 20.0,
    ) -> None:
        if settings.webhook_url is None or settings.webhook_secret is None:
            raise ValueError("delivery needs webhook_url and webhook_secret")
        self.settings = settings
        self.topic = f"{settings.topic_prefix}{ROUTED_SUBMISSION_TOPIC.name}"
        self.dead_letter_topic = f"{self.topic}{DEAD_LETTER_SUFFIX}"
        self.stats = DeliveryStats()
        self._url = settings.webhook_url
        self._secret = settings.webhook_secret.get_secret_value().encode()
        if not self._secret:
            raise ValueError("the webhook secret is empty")
        self._policy = settings.webhook_policy()
        self._transport = transport
        self._grace = shutdown_grace_s
        self._idle = asyncio.Event()
        self._idle.set()
        self._webhook: WebhookClient | None = None
        self._dead_letters: DeliveryDeadLetters | None = None

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver until ``stop`` is set; creates the dead-letter topic when missing."""
        settings = self.settings
        async with contextlib.AsyncExitStack() as stack:
            self._webhook = await stack.enter_async_context(
                WebhookClient(
                    self._url, timeout_s=settings.webhook_timeout_seconds, transport=self._transport
                )
            )
            producer = await stack.enter_async_context(
                RecordProducer(
                    settings.kafka_bootstrap_servers, client_id=f"{settings.deliver_group_id}-dead-letters"
                )
            )
            await ensure_dead_letter_topic(
                settings.kafka_bootstrap_servers,
                source=self.topic,
                dead_letters=self.dead_letter_topic,
                replication_factor=settings.dead_letter_replication_factor,
            )
            self._dead_letters = DeliveryDeadLetters(
                producer, topic=self.dead_letter_topic, group_id=settings.deliver_group_id
            )
            await self._consume(stop)

    def _consumer(self) -> AIOKafkaConsumer:
        settings = self.settings
        return AIOKafkaConsumer(
            bootstrap_servers=settings.kafka_bootstrap_servers,
            group_id=settings.deliver_group_id,
            client_id=f"{settings.deliver_group_id}-consumer",
            enable_auto_commit=False,
            isolation_level="read_committed",
            auto_offset_reset="earliest",
            max_poll_records=settings.deliver_max_batch_records,
            max_poll_interval_ms=settings.deliver_max_poll_interval_ms,
            rebalance_timeout_ms=settings.deliver_max_poll_interval_ms,
        )

    async def _consume(self, stop: asyncio.Event) -> None:
        consumer = self._consumer()
        consumer.subscribe([self.topic], listener=_DrainOnRevoke(self._idle))
        await consumer.start()
        _log.info(
            "delivering routed submissions",
            topic=self.topic,
            group=self.settings.deliver_group_id,
            webhook=public_url(self._url),
        )
        try:
            while not stop.is_set():
                batches = await consumer.getmany(
                    timeout_ms=_POLL_TIMEOUT_MS, max_records=self.settings.deliver_max_batch_records
                )
                if not batches:
                    continue
                self._idle.clear()
                try:
                    verdicts = await self._finish(self._batch(consumer, batches, stop), stop)
                finally:
                    self._idle.set()
                if _Verdict.HELD in verdicts and not stop.is_set():
                    self.stats.backoffs += 1
                    await _pause(stop, self.settings.deliver_backoff_seconds)
        finally:
            await consumer.stop()
            _log.info("delivery stopped", **self.stats.as_dict())

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
                _log.warning("abandoning the record in flight uncommitted")
                work.cancel()
            await asyncio.gather(stopping, work, return_exceptions=True)
        if work.cancelled():
            return [_Verdict.STOPPED]
        return work.result()

    async def _partition(
        self, consumer: AIOKafkaConsumer, tp: TopicPartition, records: list[Any], stop: asyncio.Event
    ) -> _Verdict:
        """A partition's records strictly in order, each committed once done; rewound to the first undone."""
        for record in records:
            if stop.is_set():
                _rewind(consumer, tp, record.offset)
                return _Verdict.STOPPED
            if not await self._handle(record, stop):
                _rewind(consumer, tp, record.offset)
                return _Verdict.STOPPED if stop.is_set() else _Verdict.HELD
            if not await self._commit(consumer, tp, record.offset + 1):
                return _Verdict.REVOKED
        return _Verdict.DONE

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
        self.stats.commits += 1
        return True

    async def _handle(self, record: Any, stop: asyncio.Event) -> bool:
        """Deliver or dead-letter one record; False when it must be tried again."""
        with structlog.contextvars.bound_contextvars(
            topic=record.topic, partition=record.partition, offset=record.offset
        ):
            try:
                envelope = decode(record.key, record.value, record.headers)
                if not isinstance(envelope.data, SubmissionRouted):
                    raise EventRefusedError(
                        f"{envelope.type} is not a routed submission: {self.topic} carries "
                        f"{SubmissionRouted.event_type} only"
                    )
            except (ContractError, EventRefusedError) as exc:
                return await self._dead_letter(record, exc)
            with structlog.contextvars.bound_contextvars(
                event_id=envelope.id, dossier_code=envelope.data.dossier_code
            ):
                return await self._deliver(record, cast("Envelope[SubmissionRouted]", envelope), stop)

    async def _deliver(self, record: Any, envelope: Envelope[SubmissionRouted], stop: asyncio.Event) -> bool:
        assert self._webhook is not None
        request = webhook_request(envelope, secret=self._secret)
        started, began = dt.datetime.now(dt.UTC), time.monotonic()
        attempts, status = 0, 0
        try:
            async for attempt in retrying(self._policy, sleep=_stoppable_sleep(stop)):
                with attempt:
                    attempts += 1
                    status = await self._webhook.send(request)
        except _StopRequestedError:
            _log.info("delivery interrupted by shutdown; the record stays uncommitted", attempts=attempts)
            return False
        except WebhookError as exc:
            if exc.dead_letter:
                return await self._dead_letter(
                    record,
                    exc,
                    attempts=attempts,
                    first_failure_at=started if attempts > 1 else None,
                    webhook_status=exc.status,
                )
            self.stats.held += 1
            _log.warning(
                "webhook did not take the submission; the partition waits",
                error_class=type(exc).__name__,
                reason_code=exc.reason_code,
                error=safe_message(str(exc)),
                attempts=attempts,
            )
            return False
        self.stats.delivered += 1
        _log.info(
            "submission delivered",
            status=status,
            attempts=attempts,
            receiving_agency_code=envelope.data.receiving_agency_code,
            latency_ms=round((time.monotonic() - began) * 1000, 1),
        )
        return True

    async def _dead_letter(
        self,
        record: Any,
        error: BaseException,
        *,
        attempts: int = 1,
        first_failure_at: dt.datetime | None = None,
        webhook_status: int | None = None,
    ) -> bool:
        assert self._dead_letters is not None
        writer = self._dead_letters
        try:
            where = await retried(
                KAFKA_PUBLISH,
                lambda: writer.write(
                    record,
                    error,
                    attempts=attempts,
                    first_failure_at=first_failure_at,
                    webhook_status=webhook_status,
                ),
            )
        except PublishError as exc:
            self.stats.held += 1
            _log.error(
                "Kafka did not acknowledge the dead letter; the record will be tried again", error=str(exc)
            )
            return False
        self.stats.dead_lettered += 1
        _log.warning(
            "record dead-lettered",
            error_class=type(error).__name__,
            reason=safe_message(str(error)),
            webhook_status=webhook_status,
            dead_letter_topic=where[0],
            dead_letter_offset=where[2],
        )
        return True


def _rewind(consumer: AIOKafkaConsumer, tp: TopicPartition, offset: int) -> None:
    """Fetch the partition again from ``offset`` (a partition revoked meanwhile is the next owner's)."""
    with contextlib.suppress(IllegalStateError):
        consumer.seek(tp, offset)


def _stoppable_sleep(stop: asyncio.Event) -> Sleep:
    """A retry wait that ends early, raising, once ``stop`` is set."""

    async def sleep(seconds: float) -> None:
        if stop.is_set():
            raise _StopRequestedError
        try:
            await asyncio.wait_for(stop.wait(), timeout=seconds)
        except TimeoutError:
            return
        raise _StopRequestedError

    return sleep


async def _pause(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)
