"""A refused or undecodable routed submission as a dead letter: byte for byte, then the context headers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from connectors.portal.dead_letters import DLQ_HEADERS
from connectors.province.delivery_dead_letters import DeliveryDeadLetters
from connectors.province.webhook import WebhookRefusedError
from connectors.publishing import Published
from contracts import MissingHeaderError


@dataclass
class _Record:
    topic: str = "t.lienthong.province.submissions.v1"
    partition: int = 2
    offset: int = 41
    timestamp: int = 1_751_353_200_000
    key: bytes | None = b"000.00.40.H14-250701-0001"
    value: bytes | None = b'{"dossier_code": "..."}'
    headers: Sequence[tuple[str, bytes | None]] = (("ce_id", b"routed-1-1"), ("x-raw", b"\x00\xff"))


@dataclass
class _Producer:
    sent: list[dict[str, Any]] = field(default_factory=list)

    async def send(self, topic: str, **record: Any) -> Published:
        self.sent.append({"topic": topic, **record})
        return (topic, 2, len(self.sent) - 1)


async def test_a_refusal_is_written_byte_for_byte_with_its_status_and_attempts() -> None:
    producer = _Producer()
    writer = DeliveryDeadLetters(producer, topic="t.lienthong.province.submissions.v1.dlq", group_id="g")  # type: ignore[arg-type]
    record = _Record()
    error = WebhookRefusedError("the webhook refused the event: HTTP 422 (unknown_procedure)", status=422)
    where = await writer.write(record, error, attempts=3, webhook_status=422)

    (sent,) = producer.sent
    assert where == ("t.lienthong.province.submissions.v1.dlq", 2, 0)
    assert (sent["topic"], sent["key"], sent["value"]) == (where[0], record.key, record.value)
    headers = sent["headers"]
    assert headers[:2] == list(record.headers)
    added = dict(headers[2:])
    assert set(DLQ_HEADERS) | {"dlq_webhook_status"} == set(added)
    assert added["dlq_reason"] == b"the webhook refused the event: HTTP 422 (unknown_procedure)"
    assert added["dlq_error_class"] == b"WebhookRefusedError"
    assert added["dlq_original_topic"] == record.topic.encode()
    assert (added["dlq_original_partition"], added["dlq_original_offset"]) == (b"2", b"41")
    assert added["dlq_original_timestamp"] == b"2025-07-01T07:00:00+00:00"
    assert added["dlq_consumer_group"] == b"g"
    assert (added["dlq_webhook_status"], added["dlq_attempts"]) == (b"422", b"3")


async def test_an_undecodable_record_has_no_webhook_status() -> None:
    producer = _Producer()
    writer = DeliveryDeadLetters(producer, topic="dlq", group_id="g")  # type: ignore[arg-type]
    await writer.write(_Record(headers=()), MissingHeaderError("missing required header ce_type"))
    added = dict(producer.sent[0]["headers"])
    assert tuple(added) == DLQ_HEADERS
    assert added["dlq_error_class"] == b"MissingHeaderError"
    assert added["dlq_attempts"] == b"1"
