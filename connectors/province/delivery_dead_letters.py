"""Dead letters of the webhook delivery: ``<routed-submission topic>.dlq``, the record kept byte for byte.

A record the province's webhook refused (a 4xx for the event), or one that does not decode as a
``SubmissionRouted``, is written to the dead-letter topic with its original key, value and headers unchanged
(in order), then the headers of the house style (:func:`connectors.portal.dead_letters.dead_letter_headers`)::

    dlq_reason              what was wrong (HTTP status and the webhook's error code; never personal data)
    dlq_reason_code         short and stable, e.g. webhook_refused, missing_header
    dlq_error_class         e.g. WebhookRefusedError, MissingHeaderError
    dlq_original_topic      where the record came from …
    dlq_original_partition  … (decimal)
    dlq_original_offset     … (decimal)
    dlq_original_timestamp  … its Kafka timestamp, RFC 3339 UTC
    dlq_consumer_group      the delivery's consumer group
    dlq_webhook_status      the webhook's HTTP status (only for a refusal)
    dlq_attempts            POSTs made for it (decimal; 1 for a record that did not decode)
    dlq_first_failure_at    RFC 3339, UTC
    dlq_last_failure_at     RFC 3339, UTC

The topic is created at start when missing, with as many partitions as the routed-submission topic, so a
dossier's dead letters land in its partition, in order.
"""

from __future__ import annotations

import datetime as dt

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from connectors.portal.dead_letters import SourceRecord, consumed_context, dead_letter_headers
from connectors.portal.producer import RecordProducer
from connectors.publishing import Published

__all__ = ["DeliveryDeadLetters", "ensure_dead_letter_topic"]

_UNKNOWN_TOPIC = 3


class DeliveryDeadLetters:
    """Writes dead letters to one topic and returns once Kafka acknowledged them."""

    def __init__(self, producer: RecordProducer, *, topic: str, group_id: str) -> None:
        self.topic = topic
        self._producer = producer
        self._group_id = group_id

    async def write(
        self,
        record: SourceRecord,
        error: BaseException,
        *,
        attempts: int = 1,
        first_failure_at: dt.datetime | None = None,
        webhook_status: int | None = None,
    ) -> Published:
        now = dt.datetime.now(dt.UTC)
        context = consumed_context(
            record.topic, record.partition, record.offset, record.timestamp, self._group_id
        )
        if webhook_status is not None:
            context.append(("dlq_webhook_status", str(webhook_status)))
        headers = dead_letter_headers(
            record.headers,
            error,
            context=context,
            attempts=attempts,
            first_failure_at=first_failure_at or now,
            last_failure_at=now,
        )
        return await self._producer.send(self.topic, key=record.key, value=record.value, headers=headers)


async def ensure_dead_letter_topic(
    bootstrap_servers: str, *, source: str, dead_letters: str, replication_factor: int = 1
) -> bool:
    """Create ``dead_letters`` (partitions as ``source``) unless it exists; True when it was created."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, client_id="lienthong-province-deliver")
    await admin.start()
    try:
        described = await admin.describe_topics([source])
        partitions = next(
            (
                len(topic["partitions"])
                for topic in described
                if topic.get("topic") == source
                and topic.get("error_code") != _UNKNOWN_TOPIC
                and topic["partitions"]
            ),
            None,
        )
        if partitions is None:
            raise RuntimeError(f"topic {source} does not exist: create the contract topics first")
        response = await admin.create_topics([NewTopic(dead_letters, partitions, replication_factor)])
        for _, code, message in response.topic_errors:
            if code == TopicAlreadyExistsError.errno:
                return False
            if code != 0:
                raise RuntimeError(f"creating {dead_letters} failed: {message or code}")
        return True
    finally:
        await admin.close()
