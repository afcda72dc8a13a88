"""What the portal connector does with one command record: decode, hold, sync, park or dead-letter it.

:class:`CommandHandler` decides and carries out; it never commits. It returns the :class:`~connectors.portal
.moves.Move` a record asks for — into a retry tier (parked, or held behind its dossier's parked command), or
into the dead-letter topic — and the consumer (:mod:`connectors.portal.consumer`) commits the moves with the
source offsets in one transaction. Outcomes (``PortalSyncCompleted``, ``PortalSyncFailed``,
``PortalLookupCompleted``) are published here, before the record counts as done.

A record is dead-lettered, byte for byte with its original headers and the ``dlq_*`` context, when it does not
decode or is not a portal command, when a tier record's ``retry_*`` stamp is unreadable, when the connector
itself failed on it (a defect: kept for a replay once fixed), when the portal refused the snapshot's content
(its ``PortalSyncFailed`` is published too), and when a sync failed at the last tier too.
"""

from __future__ import annotations

import datetime as dt
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import structlog

from connectors.errors import EventRefusedError, PortalRefusedError
from connectors.portal.dead_letters import consumed_context, dead_letter_headers
from connectors.portal.lookup import DossierLookup
from connectors.portal.moves import Move
from connectors.portal.outcomes import lookup_envelope, outcome_envelope, reason_code
from connectors.portal.redaction import safe_message
from connectors.portal.retries import KAFKA_PUBLISH, Sleep, retried
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
    LienthongError,
    PortalLookupRequested,
    PortalSyncRequested,
    decode,
)

__all__ = ["CommandHandler", "StampUnreadableError"]

T = TypeVar("T")

_log = structlog.get_logger("connectors.portal.commands")


class StampUnreadableError(LienthongError):
    """A record on a retry tier whose ``retry_*`` headers are missing or unreadable."""

    reason_code = "retry_stamp_unreadable"


@dataclass(frozen=True, slots=True)
class _Source:
    """Where a command stands in its dossier's order: its command-topic coordinates, and its tier stamp."""

    tier: int
    origin_offset: int
    origin_timestamp_ms: int
    stamp: RetryStamp | None


class CommandHandler:
    """Carries out command records, from the command topic (tier 0) or a retry tier, keeping the holds."""

    def __init__(
        self,
        *,
        topics: ConnectorTopics,
        plan: TierPlan,
        group_id: str,
        source: str,
        sync: DossierSync,
        lookup: DossierLookup,
        publisher: EventPublisher,
        stats: ConnectorStats,
        sleep: Sleep,
    ) -> None:
        self._topics = topics
        self._plan = plan
        self._group_id = group_id
        self._event_source = source
        self._sync = sync
        self._lookup = lookup
        self._publisher = publisher
        self._stats = stats
        self._sleep = sleep
        self.book = HoldBook()
        """The dossiers with commands in the tiers, per partition number."""

    def _source(self, record: Any, tier: int) -> _Source:
        if tier == 0:
            return _Source(0, record.offset, record.timestamp, None)
        stamp = read_stamp(record.headers)
        if stamp is None:
            raise StampUnreadableError(f"a record on retry tier {tier} without a readable retry_* stamp")
        return _Source(tier, stamp.origin_offset, stamp.origin_timestamp_ms, stamp)

    async def handle(self, record: Any, tier: int) -> Move | None:
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
            outcome = outcome_envelope(envelope.id, command, report, source=self._event_source)
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
        # an operator decides: the last tier failed too, or the portal refused the content (replay once fixed)
        if (error.retriable and self._plan.delays) or isinstance(error, PortalRefusedError):
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
            outcome = lookup_envelope(envelope.id, command, report, source=self._event_source)
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
            topic, record.partition, source.origin_offset, source.origin_timestamp_ms, self._group_id
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


def _origin(error: BaseException) -> str:
    """``file:line in function`` of the frame that raised ``error``."""
    frames = traceback.extract_tb(error.__traceback__)
    if not frames:
        return "unknown"
    last = frames[-1]
    return f"{last.filename}:{last.lineno} in {last.name}"
