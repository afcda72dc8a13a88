"""What the hub does with one consumed record: decode, call a pure rule, store the change, publish, commit.

The order is the guarantee. A record's offset is committed only after its effect is durable — the store
transaction (entry, findings, shared state and the commands as outbox rows, which the relay publishes right
after) or, for a record that does not satisfy the contracts, its dead letter acknowledged by Kafka. A repeat
after a crash is harmless: the store refuses a change whose event id it already holds, and the rules
recognise the event too.

Failures are told apart by whose they are. The store's (:mod:`hub.store.errors`): a retriable one — busy,
unavailable — is tried again in place a few times with a jittered backoff (tenacity); then, like a store
error that is not retriable, a Kafka error or a timeout, the consumer is rewound to the record after a pause
(``retry_backoff_seconds``), so the partition waits and nothing past the record is committed. Anything else
raised while the hub applies a valid event is the hub's own failure on that record (a defect): the record is
dead-lettered with ``dlq_reason_code=processing_failed``, naming the exception class and where it was raised
(never its message, which may quote the payload), and the partition goes on; an operator replays it once the
defect is fixed.

While a dossier's online submission is parked or dead-lettered, its province and payment events are held in
its entry (:func:`~hub.rules.hold_event`): holding is their effect, so their offsets are committed. They are
applied, in order and in one store transaction, when the submission stops blocking — released by the lot, a
replayed dead letter coming back on the submissions topic (applied under an event id of its own, since its
``ce_id`` was recorded when it was parked), or an operator's discard read from the dead-letter tool's audit
log (:meth:`Processor.discard`).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import traceback
from collections.abc import Callable
from typing import Any

import structlog
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.errors import IllegalStateError, KafkaError
from faststream.kafka import KafkaMessage
from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt, wait_random_exponential

from contracts import (
    DOSSIER_TOPIC,
    IDENTITY_TOPIC,
    PAYMENT_TOPIC,
    PORTAL_COMMAND_TOPIC,
    PORTAL_OUTCOME_TOPIC,
    ROUTED_SUBMISSION_TOPIC,
    SUBMISSION_TOPIC,
    ContractError,
    Envelope,
    EventData,
    LienthongError,
    PortalLookupCompleted,
    PortalSyncCompleted,
    Topic,
    decode,
)
from hub.app.commits import OffsetCommitter
from hub.app.dead_letters import (
    DeadLetterWriter,
    ParkedLetters,
    context_headers,
    dead_letter_headers,
    raw_record,
)
from hub.app.lot import LotSettler
from hub.app.metrics import HubMetrics
from hub.app.relay import OutboxRelay
from hub.app.state import PARKING_LOT, ROUTING_TABLE, load_lot, load_table
from hub.app.transform import finding_records, outbox_message
from hub.rules import (
    Decision,
    Deliver,
    LedgerEntry,
    Outcome,
    ParkingLot,
    RawRecord,
    RoutingTable,
    SubmissionDecision,
    apply_dossier_event,
    apply_lookup_completed,
    apply_payment,
    apply_sync_completed,
    apply_sync_failed,
    hold_event,
    on_identity_event,
    record_discarded,
    route_submission,
    routed_submission,
)
from hub.settings import HubSettings
from hub.store import (
    Change,
    EventId,
    LedgerStore,
    OutboxMessage,
    StoreConflictError,
    StoreError,
)

__all__ = [
    "CONSUMED_TOPICS",
    "PARKING_LOT",
    "ROUTING_TABLE",
    "MisroutedEventError",
    "Processor",
    "finding_records",
    "outbox_message",
]

CONSUMED_TOPICS: tuple[Topic, ...] = (
    DOSSIER_TOPIC,
    PORTAL_OUTCOME_TOPIC,
    SUBMISSION_TOPIC,
    PAYMENT_TOPIC,
    IDENTITY_TOPIC,
)

_log = structlog.get_logger("hub.app.processing")
_CONFLICT_ATTEMPTS = 3
STORE_ATTEMPTS = 3
"""Tries of one record's store write while the store says busy or unavailable, before the partition waits."""
_STORE_WAIT_S = (0.05, 0.5)
"""The jittered exponential backoff between those tries: first about, and at most, these many seconds."""
_WAITS_FOR = (StoreError, KafkaError, OSError, TimeoutError)
"""Failures that are not the record's: the partition waits for them to pass instead of setting it aside."""


def _store_may_recover(error: BaseException) -> bool:
    return isinstance(error, StoreError) and error.retriable and not isinstance(error, StoreConflictError)


def _where(error: BaseException) -> str:
    """``module:line in function`` of the frame that raised ``error`` (no local values)."""
    frames = traceback.extract_tb(error.__traceback__)
    if not frames:
        return "unknown"
    last = frames[-1]
    module = last.filename.rsplit("/", 1)[-1]
    return f"{module}:{last.lineno} in {last.name}"


class MisroutedEventError(LienthongError):
    """A valid event on a topic that does not carry its type."""


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Processor:
    """Handles records of the consumed topics against one store."""

    def __init__(
        self,
        settings: HubSettings,
        store: LedgerStore,
        dead_letters: DeadLetterWriter,
        relay: OutboxRelay,
        metrics: HubMetrics,
        *,
        clock: Callable[[], dt.datetime] = _utcnow,
    ) -> None:
        self._settings = settings
        self._store = store
        self._dead_letters = dead_letters
        self._relay = relay
        self._metrics = metrics
        self._clock = clock
        self._rules = settings.rules()
        self.lock = asyncio.Lock()
        """Held while a record's change is decided and written; the periodic check takes it too."""
        self._commands = settings.topic(PORTAL_COMMAND_TOPIC.name)
        self._routed = settings.topic(ROUTED_SUBMISSION_TOPIC.name)
        submissions = settings.topic(SUBMISSION_TOPIC.name)
        self.parked_letters = ParkedLetters(
            dead_letters,
            dlq_topic=settings.dlq_topic(submissions),
            source_topic=submissions,
            group_id=settings.group_id,
        )
        """Writes the dead letters of parked submissions (the periodic check's lot settling uses it too)."""
        self._lot_settler = LotSettler(
            store,
            self._rules,
            self._routed,
            self._commands,
            letters=self.parked_letters,
            on_outbox=relay.notify,
        )
        self.on_touched: Callable[[str], None] = lambda _code: None
        """Told the dossier code of every entry an event changed (the periodic check watches it)."""
        self.committer = OffsetCommitter(
            interval=settings.commit_interval_seconds, on_lag=metrics.consumer_lag
        )

    async def handle(self, topic: Topic, message: KafkaMessage) -> None:
        """Process one record of ``topic`` and commit it once its effect is durable.

        When the store (after its retries in place), the dead-letter write or the commit fails, the consumer
        is rewound to this record after a pause: nothing past it is committed, and it is read again.
        """
        record: ConsumerRecord[Any, Any] = message.raw_message
        log = _log.bind(topic=record.topic, partition=record.partition, offset=record.offset)
        try:
            outcome = await self._process(topic, record, log)
            await self._commit(message, record)
        except Exception as exc:  # noqa: BLE001 -- any failure: the record is read again after a pause
            self._metrics.event(topic.name, "retry")
            log.warning("processing failed; reading the record again", error_class=type(exc).__name__)
            await asyncio.sleep(self._settings.retry_backoff_seconds)
            try:
                await message.nack()
            except IllegalStateError:  # the partition went to another member, which reads it from the commit
                log.info("partition no longer assigned; its new owner reads the record")
            return
        self._metrics.event(topic.name, outcome)

    async def _commit(self, message: KafkaMessage, record: ConsumerRecord[Any, Any]) -> None:
        """Hand this record's partition, up to and including the record, to the committer."""
        consumer = message.consumer
        if isinstance(consumer, AIOKafkaConsumer):
            tp = TopicPartition(record.topic, record.partition)
            await self.committer.mark(consumer, tp, record.offset + 1)
        else:  # FastStream's in-memory test broker: acknowledging is all there is
            await message.ack()

    async def _process(self, topic: Topic, record: ConsumerRecord[Any, Any], log: Any) -> str:
        try:
            envelope = decode(record.key, record.value, record.headers)
            if not isinstance(envelope.data, topic.events):
                raise MisroutedEventError(f"{envelope.type} does not travel on {topic.name}")
        except (ContractError, MisroutedEventError) as exc:
            reason = exc.message if isinstance(exc, ContractError) else str(exc)
            headers = dead_letter_headers(record, exc, reason, self._settings.group_id)
            dlq = self._settings.dlq_topic(record.topic)
            await self.committer.flush()  # earlier records' offsets first: the group's offset never goes back
            await self._dead_letters.write(dlq, record, headers)
            log.warning("record dead-lettered", reason=reason, error_class=type(exc).__name__)
            return "dead_lettered"
        log = log.bind(event_id=envelope.id, event_source=envelope.source, subject=envelope.subject)
        try:
            outcome = await self._persist_retried(topic, envelope, raw_record(record))
        except _WAITS_FOR:
            raise
        except Exception as exc:  # noqa: BLE001 -- the hub failed on this record: set it aside, go on
            return await self._set_aside(record, exc, log)
        log.info("event processed", outcome=outcome)
        return outcome

    async def _persist_retried(self, topic: Topic, envelope: Envelope[EventData], raw: RawRecord) -> str:
        retrying = AsyncRetrying(
            stop=stop_after_attempt(STORE_ATTEMPTS),
            wait=wait_random_exponential(multiplier=_STORE_WAIT_S[0], max=_STORE_WAIT_S[1]),
            retry=retry_if_exception(_store_may_recover),
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                return await self._persist(topic, envelope, raw)
        raise AssertionError("unreachable: tenacity re-raises the last error")  # pragma: no cover

    async def _set_aside(self, record: ConsumerRecord[Any, Any], error: Exception, log: Any) -> str:
        """Dead-letter a valid record the hub failed on, with the failure's class and place only."""
        where = _where(error)
        reason = f"the hub failed on this record: {type(error).__name__} at {where}"
        headers = context_headers(
            record.headers,
            raw_record(record),
            reason=reason,
            code="processing_failed",
            error_class=type(error).__name__,
            group_id=self._settings.group_id,
        )
        await self.committer.flush()  # earlier records' offsets first: the group's offset never goes back
        await self._dead_letters.write(self._settings.dlq_topic(record.topic), record, headers)
        log.error("processing failed; record dead-lettered", error_class=type(error).__name__, where=where)
        return "dead_lettered"

    async def _persist(self, topic: Topic, envelope: Envelope[EventData], raw: RawRecord) -> str:
        event = EventId(source=envelope.source, id=envelope.id)
        async with self.lock:
            for attempt in range(1, _CONFLICT_ATTEMPTS + 1):
                try:
                    if topic is IDENTITY_TOPIC:
                        return await self._identity(event, envelope)
                    if topic is SUBMISSION_TOPIC:
                        return await self._submission(event, envelope, raw)
                    return await self._dossier(topic, event, envelope, raw)
                except StoreConflictError:  # another instance wrote first: decide again on its result
                    if attempt == _CONFLICT_ATTEMPTS:
                        raise
        raise AssertionError("unreachable")  # pragma: no cover

    async def _dossier(
        self, topic: Topic, event: EventId, envelope: Envelope[EventData], raw: RawRecord
    ) -> str:
        stored = await self._store.load(envelope.subject)
        entry = None if stored is None else LedgerEntry.model_validate_json(stored.entry_json)
        if entry is not None and entry.blocked and topic in (DOSSIER_TOPIC, PAYMENT_TOPIC):
            decision = hold_event(entry, topic.name, envelope, raw, self._clock())
        else:
            rule = self._dossier_rule(topic, envelope)
            decision = rule(entry, envelope, self._clock(), settings=self._rules)
        outbox = tuple(outbox_message(self._commands, command) for command in decision.commands)
        change = Change(
            dossier_code=envelope.subject,
            expected_version=0 if stored is None else stored.version,
            entry_json=decision.entry.model_dump_json(),
            event=event,
            findings=finding_records(decision.findings),
            outbox=outbox,
        )
        result = await self._store.apply(change)
        if result.duplicate:
            return "duplicate"
        self._relay.notify(result.outbox_ids)
        self.on_touched(envelope.subject)
        self._observe_acknowledgements(entry, decision.entry)
        return decision.outcome.value

    def _observe_acknowledgements(self, before: LedgerEntry | None, after: LedgerEntry) -> None:
        """Sync lag: for each revision the portal acknowledged just now, province event applied → ack."""
        earlier = {} if before is None else {r.event: r.acknowledged_at for r in before.history}
        for record in after.history:
            if record.acknowledged_at is not None and earlier.get(record.event) is None:
                self._metrics.sync_acknowledged((record.acknowledged_at - record.seen_at).total_seconds())

    async def _submission(self, event: EventId, envelope: Envelope[EventData], raw: RawRecord) -> str:
        stored = await self._store.load(envelope.subject)
        entry = None if stored is None else LedgerEntry.model_validate_json(stored.entry_json)
        lot, lot_version = await self._lot()
        table, _ = await self._table()
        routed = route_submission(entry, lot, table, envelope, self._clock(), raw=raw, settings=self._rules)
        if routed.outcome is Outcome.DUPLICATE:
            return "duplicate"
        if routed.replayed and entry is not None and entry.submission is not None:
            # its ce_id was recorded when it was first parked: each return from the dead letters is new
            event = EventId(source=event.source, id=f"{event.id}#replay-{entry.submission.dead_letters}")
        if routed.lot != lot:  # parked: the lot first, so a crash before the entry loses nothing
            await self._store.put_state(PARKING_LOT, routed.lot.model_dump_json(), lot_version, event=event)
        change = Change(
            dossier_code=envelope.subject,
            expected_version=0 if stored is None else stored.version,
            entry_json=routed.entry.model_dump_json(),
            event=event,
            findings=finding_records(routed.findings),
            outbox=self._submission_outbox(routed),
        )
        result = await self._store.apply(change)
        self._relay.notify(result.outbox_ids)
        self.on_touched(envelope.subject)
        if result.duplicate:
            return "duplicate"
        return "replayed" if routed.replayed else routed.outcome.value

    def _submission_outbox(self, routed: SubmissionDecision) -> tuple[OutboxMessage, ...]:
        """The routed submission for the province (when delivered), then the held events' sync commands."""
        outbox: list[OutboxMessage] = []
        submission = routed.entry.submission
        if isinstance(routed.route, Deliver) and submission is not None:
            outbox.append(outbox_message(self._routed, routed_submission(submission, self._rules)))
        outbox.extend(outbox_message(self._commands, command) for command in routed.commands)
        return tuple(outbox)

    async def discard(self, event_id: str) -> str:
        """An operator discarded the dead letter of the submission with ``ce_id`` ``event_id``: when it is one
        the lot wrote, the dossier's held events are applied; the lot forgets the dead letter afterwards."""
        async with self.lock:
            lot, lot_version = await self._lot()
            ref = lot.letter_of(event_id)
            if ref is None:
                return "ignored"
            stored = await self._store.load(ref.dossier_code)
            if stored is not None:
                entry = LedgerEntry.model_validate_json(stored.entry_json)
                decision = record_discarded(entry, event_id, self._clock(), settings=self._rules)
                if decision.outcome is not Outcome.DUPLICATE:
                    change = Change(
                        dossier_code=ref.dossier_code,
                        expected_version=stored.version,
                        entry_json=decision.entry.model_dump_json(),
                        event=EventId(source=self._settings.source, id=f"discarded:{ref.letter}"),
                        findings=finding_records(decision.findings),
                        outbox=tuple(outbox_message(self._commands, c) for c in decision.commands),
                    )
                    result = await self._store.apply(change)
                    self._relay.notify(result.outbox_ids)
                    self.on_touched(ref.dossier_code)
            forgotten = lot.with_letters(dropped=ref.event)
            await self._store.put_state(PARKING_LOT, forgotten.model_dump_json(), lot_version)
        return "discarded"

    async def _identity(self, event: EventId, envelope: Envelope[EventData]) -> str:
        table, table_version = await self._table()
        lot, lot_version = await self._lot()
        now = self._clock()
        identity = on_identity_event(table, lot, envelope, now)
        result = await self._store.put_state(
            ROUTING_TABLE,
            identity.table.model_dump_json(),
            table_version,
            event=event,
            findings=finding_records(identity.findings),
        )
        if result.duplicate:
            return "duplicate"
        await self._lot_settler.settle(
            identity.lot, lot_version, now, released=identity.released, dead_lettered=identity.dead_lettered
        )
        return identity.outcome.value

    @staticmethod
    def _dossier_rule(topic: Topic, envelope: Envelope[EventData]) -> Callable[..., Decision]:
        if topic is DOSSIER_TOPIC:
            return apply_dossier_event
        if topic is PAYMENT_TOPIC:
            return apply_payment
        if isinstance(envelope.data, PortalLookupCompleted):
            return apply_lookup_completed
        return apply_sync_completed if isinstance(envelope.data, PortalSyncCompleted) else apply_sync_failed

    async def _table(self) -> tuple[RoutingTable, int]:
        return await load_table(self._store)

    async def _lot(self) -> tuple[ParkingLot, int]:
        return await load_lot(self._store)
