"""The hub's ear on the dead-letter tool's audit log: an operator's discard lets a dossier's held events go.

``lienthong dlq discard`` records each discarded dead letter on ``<prefix>lienthong.dlq.audit.v1``
(:mod:`hub.dlq.audit`) with the dead letter's ``ce_id``. The hub reads that log in a consumer group of its
own (``<group>-dlq-audit``, ``read_committed``, from the beginning) and hands every discard to
:meth:`~hub.app.processing.Processor.discard`: when the dead letter is one the parking lot wrote, the
dossier's held events are applied in order, once (the entry's change carries an event id derived from the
dead letter).
Anything else on the log — replays, shows, discards of other dead letters — changes nothing.

The offset of an audit record is committed after its effect is durable; when the store fails, the consumer
is rewound to the record after a pause and reads it again, like the main subscriber.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import structlog
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import IllegalStateError
from faststream import AckPolicy
from faststream.kafka import KafkaBroker, KafkaMessage
from faststream.message import StreamMessage

from hub.dlq import AUDIT_TOPIC, LetterRecord, parse_audit
from hub.dlq.topics import KafkaTopics
from hub.settings import HubSettings

__all__ = ["audit_group", "audit_topic", "discarded_event_id", "ensure_audit_topic", "subscribe_to_discards"]

_log = structlog.get_logger("hub.app.discards")


def audit_topic(settings: HubSettings) -> str:
    return settings.topic(AUDIT_TOPIC)


def audit_group(settings: HubSettings) -> str:
    return f"{settings.group_id}-dlq-audit"


def discarded_event_id(value: bytes | None) -> str | None:
    """The ``ce_id`` of the dead letter an audit record says was discarded; None for any other record."""
    record = parse_audit(value)
    if isinstance(record, LetterRecord) and record.action == "discard" and record.event_id:
        return record.event_id
    return None


async def ensure_audit_topic(settings: HubSettings) -> None:
    """Create the audit log as the dead-letter tool does (one partition, kept forever) unless it exists, so
    the hub's subscription has a topic to read before the first operator action."""
    admin = AIOKafkaAdminClient(
        bootstrap_servers=settings.kafka_bootstrap_servers, client_id=f"{settings.group_id}-admin"
    )
    await admin.start()
    try:
        await KafkaTopics(admin).ensure(audit_topic(settings), partitions=1, keep_forever=True)
    finally:
        await admin.close()


async def _raw_body(message: StreamMessage[object]) -> bytes:
    return message.body


def subscribe_to_discards(
    broker: KafkaBroker, settings: HubSettings, discard: Callable[[str], Awaitable[str]]
) -> None:
    """Subscribe ``discard`` (given a discarded dead letter's ``ce_id``) to the audit log."""

    async def handle_dlq_audit_record(message: KafkaMessage) -> None:
        event_id = discarded_event_id(message.body)
        try:
            outcome = "skipped" if event_id is None else await discard(event_id)
            await message.ack()
        except Exception as exc:  # noqa: BLE001 -- any failure: the record is read again after a pause
            _log.warning("audit record not handled; reading it again", error_class=type(exc).__name__)
            await asyncio.sleep(settings.retry_backoff_seconds)
            try:
                await message.nack()
            except IllegalStateError:
                _log.info("audit partition no longer assigned; its new owner reads the record")
            return
        if outcome != "skipped":
            _log.info("operator discard read from the audit log", outcome=outcome)

    broker.subscriber(
        audit_topic(settings),
        decoder=_raw_body,
        group_id=audit_group(settings),
        ack_policy=AckPolicy.MANUAL,
        auto_offset_reset="earliest",
        isolation_level="read_committed",
    )(handle_dlq_audit_record)
