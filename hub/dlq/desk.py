"""The operator's operations over the dead-letter topics: count, show, replay, discard, and the audit history.

:class:`DeadLetterDesk` holds one consumer outside any group (``read_committed``), one admin client, and —
only once something is written — one idempotent ``acks=all`` producer. Every operation:

1. rebuilds the state from the audit log (which dead letters were replayed, to where, and discarded);
2. takes a snapshot of the dead-letter partitions' end offsets and reads up to them, never past them, in
   bounded batches — what is dead-lettered meanwhile waits for the next operation;
3. replays or discards what the selection matches, writing one audit record per dead letter once its effect
   is durable, and one record for the action with its result at the end.

Memory stays flat with the size of the queue: records stream through ``batch_size`` at a time; the audit
state (ids) is the only thing kept per dead letter.

A replay sends the original key, value and headers (``dlq_*`` stripped) to the original topic and partition,
or to ``<original topic>.replay.<group>`` for one consumer group. A dead letter already replayed to the same
topic is skipped unless ``again``. A repeat is still possible — a crash between Kafka's acknowledgement and
the audit record, or two operators replaying at once — and is harmless: the record keeps its ``ce_id``, and
the hub's store refuses an event id it already applied.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Iterable
from contextlib import aclosing
from types import TracebackType
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError

from hub.dlq.audit import ActionRecord, AuditState, LetterRecord, audit_value, new_action_id, parse_audit
from hub.dlq.counts import LetterCounts
from hub.dlq.errors import (
    DiscardReasonMissingError,
    KafkaOperationError,
    NothingSelectedError,
    SelectionError,
)
from hub.dlq.letters import DeadLetter, LetterId, letter_of
from hub.dlq.masking import mask_text
from hub.dlq.outcomes import Outcome, Step
from hub.dlq.reading import BoundedReader, Snapshot
from hub.dlq.replay import Pace, plan_replay
from hub.dlq.selection import Selection
from hub.dlq.settings import DlqSettings
from hub.dlq.topics import KafkaTopics, is_dead_letter_topic, replay_topic
from hub.dlq.views import letter_view

__all__ = ["DeadLetterDesk", "OnProgress", "OnStep"]

OnStep = Callable[[Step], Awaitable[None]]
OnProgress = Callable[[int, int], None]
"""``(covered, total)``: offsets of the snapshot read so far, of all."""

_SHOWN_IDS_AUDITED = 100
_REASON_LIMIT = 500


async def _no_step(_step: Step) -> None:
    return None


def _no_progress(_covered: int, _total: int) -> None:
    return None


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class DeadLetterDesk:
    """Count, show, replay and discard dead letters; read the audit history. Use ``async with``."""

    def __init__(
        self,
        settings: DlqSettings,
        *,
        clock: Callable[[], dt.datetime] = _utc_now,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.settings = settings
        self._clock = clock
        self._monotonic = monotonic
        self._sleep = sleep
        self._consumer: Any = None
        self._admin: Any = None
        self._producer: Any = None
        self._reader: BoundedReader | None = None
        self._topics: KafkaTopics | None = None

    async def __aenter__(self) -> DeadLetterDesk:
        await self.start()
        return self

    async def __aexit__(
        self, _type: type[BaseException] | None, _error: BaseException | None, _tb: TracebackType | None
    ) -> None:
        await self.stop()

    async def start(self) -> None:
        settings = self.settings
        self._consumer = AIOKafkaConsumer(
            bootstrap_servers=settings.kafka_bootstrap_servers,
            client_id=settings.client_id,
            group_id=None,
            enable_auto_commit=False,
            isolation_level="read_committed",
            auto_offset_reset="earliest",
            max_partition_fetch_bytes=1024 * 1024,
            fetch_max_bytes=8 * 1024 * 1024,
        )
        self._admin = AIOKafkaAdminClient(
            bootstrap_servers=settings.kafka_bootstrap_servers, client_id=settings.client_id
        )
        try:
            await self._consumer.start()
            await self._admin.start()
        except KafkaError as exc:
            await self.stop()
            raise KafkaOperationError(
                f"cannot reach Kafka at {settings.kafka_bootstrap_servers}: {exc}"
            ) from exc
        self._reader = BoundedReader(self._consumer, batch_size=settings.batch_size)
        self._topics = KafkaTopics(self._admin, replication_factor=settings.audit_replication_factor)

    async def stop(self) -> None:
        producer, self._producer = self._producer, None
        consumer, self._consumer = self._consumer, None
        admin, self._admin = self._admin, None
        if producer is not None:
            await producer.stop()
        if consumer is not None:
            await consumer.stop()
        if admin is not None:
            await admin.close()

    # -- reading -------------------------------------------------------------------------------------------

    @property
    def _kafka(self) -> tuple[BoundedReader, KafkaTopics]:
        if self._reader is None or self._topics is None:
            raise RuntimeError("the dead-letter desk is not started")
        return self._reader, self._topics

    async def dead_letter_topics(self, selection: Selection | None = None) -> dict[str, int]:
        """Topic → partitions of the dead-letter topics read: all under the prefix unless some are named."""
        _, topics = self._kafka
        selection = selection or Selection()
        if selection.topics:
            found = await topics.partitions(selection.topics)
            missing = [name for name in selection.topics if name not in found]
            if missing:
                raise SelectionError(f"no such dead-letter topic: {', '.join(missing)}")
            return found
        names = sorted(
            name for name in await topics.names() if is_dead_letter_topic(name, self.settings.topic_prefix)
        )
        return await topics.partitions(names)

    async def audit_state(self) -> AuditState:
        """What the audit log says: replayed and discarded dead letters."""
        state = AuditState()
        async for record in self._audit_records():
            state.apply(record)
        return state

    async def _audit_records(self) -> AsyncIterator[ActionRecord | LetterRecord | None]:
        reader, topics = self._kafka
        topics.forget()  # each operation starts from what Kafka says now
        partitions = await topics.partitions([self.settings.audit_topic])
        snapshot = await reader.snapshot(partitions)
        async for batch in reader.batches(snapshot):
            for record in batch:
                yield parse_audit(record.value)

    async def _snapshot(self, selection: Selection) -> Snapshot:
        reader, topics = self._kafka
        if selection.ids:
            return await reader.snapshot(await topics.partitions(letter.topic for letter in selection.ids))
        return await reader.snapshot(await self.dead_letter_topics(selection))

    async def _letters(
        self, selection: Selection, snapshot: Snapshot, on_progress: OnProgress
    ) -> AsyncGenerator[tuple[LetterId, DeadLetter | None]]:
        """The selected ids one by one (``None`` when not there), or every dead letter of the snapshot."""
        reader, _ = self._kafka
        if selection.ids:
            # each dead letter once per operation (ids deduplicated, the snapshot bounded): the state read
            # at the start need not learn what this operation does
            ids = list(dict.fromkeys(selection.ids))
            for done, letter_id in enumerate(ids, start=1):
                tp = TopicPartition(letter_id.topic, letter_id.partition)
                record = await reader.record_at(snapshot, tp, letter_id.offset)
                yield letter_id, None if record is None else letter_of(record)
                on_progress(done, len(ids))
            return
        on_progress(0, snapshot.size)
        covered = 0
        async for batch in reader.batches(snapshot):
            for done, record in enumerate(batch, start=1):
                letter = letter_of(record)
                yield letter.id, letter
                on_progress(covered + done, snapshot.size)
            covered = reader.covered  # transaction markers take offsets too
            on_progress(covered, snapshot.size)

    async def _matched(
        self,
        selection: Selection,
        snapshot: Snapshot,
        outcome: Outcome,
        on_step: OnStep,
        on_progress: OnProgress,
    ) -> AsyncGenerator[DeadLetter]:
        """The dead letters the selection matches, counted in ``outcome``; an id not found is told as such."""
        async with aclosing(self._letters(selection, snapshot, on_progress)) as letters:
            async for letter_id, letter in letters:
                if letter is None:
                    outcome.error(f"{letter_id}: not found (not in the dead-letter topic when it was read)")
                    await self._told(outcome, Step(letter_id, "not_found"), on_step)
                    continue
                if not selection.matches(letter):
                    continue
                outcome.matched += 1
                yield letter

    # -- operations ----------------------------------------------------------------------------------------

    async def counts(
        self, selection: Selection | None = None, *, include_discarded: bool = False
    ) -> LetterCounts:
        """Dead letters by topic, reason, agency and age (discarded ones left out unless asked for)."""
        selection = selection or Selection()
        state = await self.audit_state()
        counts = LetterCounts(now=self._clock())
        snapshot = await self._snapshot(selection)
        async for _, letter in self._letters(selection, snapshot, _no_progress):
            if letter is None or not selection.matches(letter):
                continue
            discarded = state.is_discarded(letter.id)
            if discarded and not include_discarded:
                continue
            counts.add(letter, replayed=bool(state.replayed_to(letter.id)), discarded=discarded)
        return counts

    async def show(
        self,
        selection: Selection,
        on_letter: Callable[[dict[str, Any]], Awaitable[None]],
        *,
        include_discarded: bool = False,
        limit: int | None = 20,
    ) -> dict[str, Any]:
        """Hand each selected dead letter, masked (:func:`hub.dlq.views.letter_view`), to ``on_letter``.

        Ids asked for are shown even when discarded. The action is audited (what was looked at, not the
        contents); the answer is its result: ``shown`` and ``not_found``.
        """
        state = await self.audit_state()
        snapshot = await self._snapshot(selection)
        now = self._clock()
        shown: list[str] = []
        count, not_found = 0, []
        async with aclosing(self._letters(selection, snapshot, _no_progress)) as letters:
            async for letter_id, letter in letters:
                if letter is None:
                    not_found.append(str(letter_id))
                    continue
                discarded = state.is_discarded(letter.id)
                if not selection.matches(letter) or (
                    discarded and not include_discarded and not selection.ids
                ):
                    continue
                replayed_to = state.replayed_to(letter.id)
                await on_letter(letter_view(letter, now=now, replayed_to=replayed_to, discarded=discarded))
                count += 1
                if len(shown) < _SHOWN_IDS_AUDITED:
                    shown.append(str(letter.id))
                if limit and count >= limit:
                    break
        result = {"shown": count, "not_found": not_found, "ids": shown}
        await self._audit(
            [
                self._action(
                    "show",
                    new_action_id(),
                    selection,
                    {"limit": limit, "include_discarded": include_discarded},
                    result,
                )
            ]
        )
        return result

    async def replay(
        self,
        selection: Selection,
        *,
        to_group: str | None = None,
        dry_run: bool = False,
        rate: float | None = None,
        again: bool = False,
        include_discarded: bool = False,
        on_step: OnStep = _no_step,
        on_progress: OnProgress = _no_progress,
    ) -> Outcome:
        """Replay the selected dead letters (see the module docstring); the outcome is audited too."""
        if not selection.chooses:
            raise NothingSelectedError("say which dead letters to replay: ids, filters, or all of them")
        if to_group is not None:
            replay_topic("x", to_group)  # refuse a malformed group before anything is read
        options = {
            "to_group": to_group,
            "rate": rate,
            "again": again,
            "include_discarded": include_discarded,
        }
        outcome = Outcome(new_action_id())
        state = await self.audit_state()
        snapshot = await self._snapshot(selection)
        outcome.snapshot_size = snapshot.size
        pace = Pace(rate, monotonic=self._monotonic, sleep=self._sleep)
        pending: list[tuple[Step, Any]] = []
        _, topics = self._kafka
        try:
            matched = self._matched(selection, snapshot, outcome, on_step, on_progress)
            async with aclosing(matched) as letters:
                async for letter in letters:
                    step = await plan_replay(
                        letter,
                        state=state,
                        topics=topics,
                        to_group=to_group,
                        again=again,
                        include_discarded=include_discarded,
                        dry_run=dry_run,
                    )
                    if step.kind != "sent":
                        if step.kind == "failed":
                            outcome.error(f"{letter.id}: target topic {step.target} does not exist")
                        await self._told(outcome, step, on_step)
                        continue
                    await pace.wait()
                    pending.append((step, await self._send(step, letter)))
                    if rate or len(pending) >= self.settings.batch_size:
                        await self._settle(pending, outcome, on_step)
            await self._settle(pending, outcome, on_step)
        except (KafkaError, KafkaOperationError) as exc:
            outcome.stopped = True
            outcome.error(f"stopped: {type(exc).__name__}: {mask_text(str(exc))}")
        await self._close(outcome, "replay", selection, options, dry_run)
        return outcome

    async def _send(self, step: Step, letter: DeadLetter) -> Any:
        producer = await self._started_producer()
        return await producer.send(
            step.target,
            key=letter.key,
            value=letter.value,
            headers=list(letter.headers),
            partition=step.partition,
        )

    async def _settle(self, pending: list[tuple[Step, Any]], outcome: Outcome, on_step: OnStep) -> None:
        """Wait for Kafka to acknowledge the sends, then record each in the audit log, then tell."""
        if not pending:
            return
        batch = list(pending)
        pending.clear()
        answers = await asyncio.gather(*(future for _, future in batch), return_exceptions=True)
        acknowledged = [
            step
            for (step, _), answer in zip(batch, answers, strict=True)
            if not isinstance(answer, BaseException)
        ]
        failure = next((answer for answer in answers if isinstance(answer, BaseException)), None)
        at, operator = self._clock(), self.settings.operator
        await self._audit(
            [
                LetterRecord(
                    action_id=outcome.action_id,
                    action="replay",
                    operator=operator,
                    at=at,
                    letter=str(step.letter_id),
                    target=step.target,
                    event_id=step.letter.event_id if step.letter else None,
                )
                for step in acknowledged
            ]
        )
        for step in acknowledged:
            await self._told(outcome, step, on_step)
        if failure is not None:
            raise KafkaOperationError(f"Kafka did not acknowledge a replayed record: {failure}")

    async def discard(
        self,
        selection: Selection,
        *,
        reason: str,
        dry_run: bool = False,
        on_step: OnStep = _no_step,
        on_progress: OnProgress = _no_progress,
    ) -> Outcome:
        """Record the selected dead letters as discarded, for ``reason``; they stay in their topic."""
        cleaned = mask_text(" ".join(reason.split()))[:_REASON_LIMIT]
        if not cleaned:
            raise DiscardReasonMissingError(
                "a discard needs a reason (--reason): it is kept in the audit log"
            )
        if not selection.chooses:
            raise NothingSelectedError("say which dead letters to discard: ids, filters, or all of them")
        outcome = Outcome(new_action_id())
        state = await self.audit_state()
        snapshot = await self._snapshot(selection)
        outcome.snapshot_size = snapshot.size
        pending: list[LetterRecord] = []
        steps: list[Step] = []
        try:
            matched = self._matched(selection, snapshot, outcome, on_step, on_progress)
            async with aclosing(matched) as letters:
                async for letter in letters:
                    if state.is_discarded(letter.id):
                        await self._told(outcome, Step(letter.id, "discarded_before", letter), on_step)
                        continue
                    if dry_run:
                        await self._told(outcome, Step(letter.id, "would_discard", letter), on_step)
                        continue
                    pending.append(
                        LetterRecord(
                            action_id=outcome.action_id,
                            action="discard",
                            operator=self.settings.operator,
                            at=self._clock(),
                            letter=str(letter.id),
                            reason=cleaned,
                            event_id=letter.event_id,
                        )
                    )
                    steps.append(Step(letter.id, "discarded", letter))
                    if len(pending) >= self.settings.batch_size:
                        await self._flush_discards(pending, steps, outcome, on_step)
            await self._flush_discards(pending, steps, outcome, on_step)
        except (KafkaError, KafkaOperationError) as exc:
            outcome.stopped = True
            outcome.error(f"stopped: {type(exc).__name__}: {mask_text(str(exc))}")
        await self._close(outcome, "discard", selection, {"reason": cleaned}, dry_run)
        return outcome

    async def _flush_discards(
        self, pending: list[LetterRecord], steps: list[Step], outcome: Outcome, on_step: OnStep
    ) -> None:
        await self._audit(pending)
        for step in steps:
            await self._told(outcome, step, on_step)
        pending.clear()
        steps.clear()

    async def history(
        self,
        on_record: Callable[[ActionRecord | LetterRecord], Awaitable[None]],
        *,
        actions: Iterable[str] = (),
        operators: Iterable[str] = (),
        since: dt.datetime | None = None,
        letters: bool = False,
    ) -> int:
        """Hand the audit records that match to ``on_record``, oldest first; returns how many."""
        wanted_actions, wanted_operators = set(actions), set(operators)
        count = 0
        async for record in self._audit_records():
            if record is None or (isinstance(record, LetterRecord) and not letters):
                continue
            if wanted_actions and record.action not in wanted_actions:
                continue
            if wanted_operators and record.operator not in wanted_operators:
                continue
            if since is not None and record.at < since:
                continue
            await on_record(record)
            count += 1
        return count

    # -- writing -------------------------------------------------------------------------------------------

    async def _started_producer(self) -> Any:
        if self._producer is None:
            producer = AIOKafkaProducer(
                bootstrap_servers=self.settings.kafka_bootstrap_servers,
                client_id=self.settings.client_id,
                acks="all",
                enable_idempotence=True,
                linger_ms=5,
            )
            try:
                await producer.start()
            except KafkaError as exc:
                raise KafkaOperationError(f"cannot start a producer: {exc}") from exc
            self._producer = producer
        return self._producer

    async def _audit(self, records: list[ActionRecord] | list[LetterRecord]) -> None:
        """Append ``records`` to the audit log and wait until Kafka acknowledged every one."""
        if not records:
            return
        _, topics = self._kafka
        await topics.ensure(self.settings.audit_topic, partitions=1, keep_forever=True)
        producer = await self._started_producer()
        try:
            futures = [
                await producer.send(
                    self.settings.audit_topic, value=audit_value(record), key=record.action_id.encode()
                )
                for record in records
            ]
            await asyncio.gather(*futures)
        except KafkaError as exc:
            raise KafkaOperationError(f"cannot write the audit log: {exc}") from exc

    def _action(
        self,
        action: str,
        action_id: str,
        selection: Selection,
        options: dict[str, Any],
        result: dict[str, Any],
        *,
        dry_run: bool = False,
    ) -> ActionRecord:
        return ActionRecord.model_validate(
            {
                "action_id": action_id,
                "action": action,
                "operator": self.settings.operator,
                "at": self._clock(),
                "dry_run": dry_run,
                "selection": selection.describe(),
                "options": {name: value for name, value in options.items() if value not in (None, False)},
                "result": result,
            }
        )

    async def _close(
        self, outcome: Outcome, action: str, selection: Selection, options: dict[str, Any], dry_run: bool
    ) -> None:
        """Write the action's record; a failure to do so joins the outcome's errors."""
        record = self._action(
            action, outcome.action_id, selection, options, outcome.as_dict(), dry_run=dry_run
        )
        try:
            await self._audit([record])
        except KafkaOperationError as exc:
            outcome.error(f"the action's audit record was not written: {exc}")

    @staticmethod
    async def _told(outcome: Outcome, step: Step, on_step: OnStep) -> None:
        outcome.count(step)
        await on_step(step)
