"""A small dead-letter queue put on a real broker by hand, and the ``lienthong`` command run against it.

Under the test's prefix: ``lienthong.dossier.events.v1.dlq`` (2 partitions) holds two valid dossier events
(applicant name, personal ID and phone inside) and one undecodable value; ``lienthong.payment.events.v1.dlq``
(1 partition) holds garbage with only the required context headers. One dossier dead letter is written in a
Kafka transaction, as the hub writes them, so a transaction marker sits in that partition.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaProducer
from click.testing import CliRunner, Result

from contracts import DOSSIER_TOPIC, PAYMENT_TOPIC, encode
from deploy.cli import main
from deploy.topology import ensure_topics
from tests.unit.contracts.factories import make_dossier
from tests.unit.hub.factories import envelope

__all__ = [
    "GARBAGE",
    "GARBAGE_SECRETS",
    "DeadLetterQueue",
    "Original",
    "cli",
    "dossier_original",
    "fill_queue",
    "put_dead_letter",
]

GARBAGE = json.dumps(
    {"dossier_code": "000.00.40.H14-250701-0003", "ho_ten": "Trần Văn Bình", "so_cccd": "008096004321"},
    ensure_ascii=False,
).encode()
GARBAGE_SECRETS = ("Trần Văn Bình", "Văn Bình", "008096004321")


@dataclass(frozen=True)
class Original:
    """A record as it was before it was dead-lettered."""

    topic: str
    partition: int
    key: bytes | None
    value: bytes
    headers: tuple[tuple[str, bytes], ...]


@dataclass(frozen=True)
class DeadLetterQueue:
    bootstrap: str
    prefix: str
    dossier_dlq: str
    payment_dlq: str
    originals: dict[str, Original]
    """Dead letter id → the original record."""

    def id_of(self, name: str) -> str:
        return {
            "first": f"{self.dossier_dlq}:0:0",
            "garbage": f"{self.dossier_dlq}:0:1",
            "second": f"{self.dossier_dlq}:1:0",
            "payment": f"{self.payment_dlq}:0:0",
        }[name]


def _context(original: Original, offset: int, reason_code: str | None, error: str) -> list[tuple[str, bytes]]:
    headers = [
        ("dlq_reason", b"what was wrong"),
        *([("dlq_reason_code", reason_code.encode())] if reason_code else []),
        ("dlq_error_class", error.encode()),
        ("dlq_original_topic", original.topic.encode()),
        ("dlq_original_partition", str(original.partition).encode()),
        ("dlq_original_offset", str(offset).encode()),
        ("dlq_consumer_group", b"lienthong-hub"),
        ("dlq_first_failure_at", b"2025-07-10T10:00:00Z"),
    ]
    if reason_code:  # the hub's writer; the minimal one leaves the optional headers out
        headers += [("dlq_attempts", b"1"), ("dlq_last_failure_at", b"2025-07-10T10:00:00Z")]
    return headers


async def put_dead_letter(
    producer: Any,
    topic: str,
    partition: int,
    original: Original,
    *,
    reason_code: str | None = "invalid_payload",
    error: str = "InvalidPayloadError",
) -> None:
    headers = [*original.headers, *_context(original, 41, reason_code, error)]
    await producer.send_and_wait(
        topic, key=original.key, value=original.value, headers=headers, partition=partition
    )


def dossier_original(prefix: str, *, event_id: str, code: str, agency: str, partition: int) -> Original:
    data = make_dossier(dossier_code=code, receiving_agency_code=agency)
    record = encode(envelope(data, event_id, source=agency))
    return Original(f"{prefix}{DOSSIER_TOPIC.name}", partition, record.key, record.value, record.headers)


async def fill_queue(bootstrap: str, prefix: str) -> DeadLetterQueue:
    dossier_dlq = f"{prefix}{DOSSIER_TOPIC.name}.dlq"
    payment_dlq = f"{prefix}{PAYMENT_TOPIC.name}.dlq"
    await ensure_topics(bootstrap, [dossier_dlq], partitions=2)
    await ensure_topics(bootstrap, [payment_dlq], partitions=1)
    first = dossier_original(
        prefix, event_id="e-first", code="000.00.20.H56-250612-0007", agency="000.00.20.H56", partition=1
    )
    second = dossier_original(
        prefix, event_id="e-second", code="000.00.40.H14-250701-0002", agency="000.00.40.H14", partition=2
    )
    garbage = Original(f"{prefix}{DOSSIER_TOPIC.name}", 0, b"000.00.40.H14-250701-0003", GARBAGE, ())
    payment = Original(f"{prefix}{PAYMENT_TOPIC.name}", 0, None, b"\x00\x01not json", ())
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        await put_dead_letter(producer, dossier_dlq, 0, first, reason_code="unknown_agency", error="Parked")
        await put_dead_letter(producer, dossier_dlq, 0, garbage)
        await put_dead_letter(producer, payment_dlq, 0, payment, reason_code=None)
    finally:
        await producer.stop()
    transactional = AIOKafkaProducer(bootstrap_servers=bootstrap, transactional_id=f"dlq-test-{uuid.uuid4()}")
    await transactional.start()
    try:
        async with transactional.transaction():
            await put_dead_letter(
                transactional, dossier_dlq, 1, second, reason_code="unknown_agency", error="Parked"
            )
    finally:
        await transactional.stop()
    queue = DeadLetterQueue(bootstrap, prefix, dossier_dlq, payment_dlq, {})
    queue.originals.update(
        {
            queue.id_of("first"): first,
            queue.id_of("second"): second,
            queue.id_of("garbage"): garbage,
            queue.id_of("payment"): payment,
        }
    )
    return queue


async def cli(queue: DeadLetterQueue, *args: str, operator: str = "lan") -> Result:
    """``lienthong dlq ARGS`` through click, in a thread of its own (the command runs its own event loop)."""
    argv = ["dlq", *args, "--bootstrap-servers", queue.bootstrap, "--topic-prefix", queue.prefix]
    if args[0] in ("show", "replay", "discard"):
        argv += ["--operator", operator]
    return await asyncio.to_thread(CliRunner().invoke, main, argv, catch_exceptions=False)
