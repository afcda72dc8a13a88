"""The round trip on the embedded default: one event of each family through the contracts, to Kafka and back.

The local Kafka broker is used unless ``KAFKA_BOOTSTRAP_SERVERS`` names a cluster. A reader sees the contracts
at work on a real broker: CloudEvents headers, the business key, the JSON data with personal data masked for
display, and proof that what was read back equals what was sent.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition

from connectors.publishing import EventPublisher
from contracts import (
    AgencyCodeClosed,
    DossierStatusChanged,
    Envelope,
    EventData,
    PaymentSucceeded,
    decode,
)
from contracts.privacy import redacted
from deploy.topology import ensure_topics, topic_names

__all__ = ["DemoResult", "run_demo", "sample_events"]

_VN = dt.timezone(dt.timedelta(hours=7), "Asia/Ho_Chi_Minh")


@dataclass(frozen=True)
class DemoResult:
    """One event's trip: where it landed, what came back, and whether it matched."""

    sent: Envelope[EventData]
    received: Envelope[EventData]
    topic: str
    partition: int
    offset: int
    headers: tuple[tuple[str, bytes], ...]

    @property
    def intact(self) -> bool:
        return self.sent == self.received


def sample_events(now: dt.datetime) -> list[Envelope[EventData]]:
    """A Cao Bằng commune dossier being processed, a merger closure, and the dossier's online payment."""
    received = now.replace(hour=8, minute=15, second=0, microsecond=0)
    commune = "000.10.31.H14"
    dossier_code = f"{commune}-{received:%y%m%d}-0007"
    dossier = DossierStatusChanged.model_validate(
        {
            "dossier_code": dossier_code,
            "procedure_code": "2.000815.000.00.00.H14",
            "procedure_name": "Chứng thực bản sao từ bản chính giấy tờ, văn bản",
            "receiving_agency_code": commune,
            "status": 4,
            "status_changed_at": received + dt.timedelta(minutes=20),
            "channel": 2,
            "received_at": received,
            "due_at": received + dt.timedelta(days=1),
            "applicant": {
                "kind": "citizen",
                "name": "Nông Thị Mai",
                "personal_id": "004190012345",
                "phone": "0912345678",
            },
            "components": [
                {
                    "code": "TP01",
                    "name": "Bản chính giấy tờ cần chứng thực",
                    "digitised": True,
                    "reused": True,
                    "from_national_data_store": True,
                }
            ],
            "fees": [
                {"name": "Lệ phí chứng thực", "code": "LP01", "collection_method": "online", "amount": 4000}
            ],
            "vneid_verified": True,
            "online_payment": 1,
        }
    )
    closure = AgencyCodeClosed.model_validate(
        {
            "code": "000.00.00.H10",
            "name": "Ủy ban nhân dân tỉnh Bình Phước",
            "level": 1,
            "decision": {
                "number": "09/2025/QĐ-TTg",
                "date": dt.date(2025, 6, 30),
                "issuer": "Thủ tướng Chính phủ",
            },
            "successor_code": "000.00.00.H19",
        }
    )
    payment = PaymentSucceeded.model_validate(
        {
            "reference": f"{dossier_code}-{received:%Y%m%d%H%M%S}",
            "dossier_code": dossier_code,
            "transaction_id": "PG2025000123",
            "amount": 4000,
            "lines": [{"kind": "charge", "name": "Lệ phí chứng thực", "code": "LP01", "amount": 4000}],
            "occurred_at": received + dt.timedelta(minutes=25),
            "bank_code": "VCB",
        }
    )
    return [
        Envelope(source=commune, data=dossier, time=dossier.status_changed_at),
        Envelope(source="000.00.00.G22", data=closure, time=now),
        Envelope(source="urn:lienthong:connector:payment", data=payment, time=payment.occurred_at),
    ]


async def _read_back(bootstrap: str, where: tuple[str, int, int]) -> tuple[Envelope[EventData], Any]:
    topic, partition, offset = where
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, group_id=None)
    await consumer.start()
    try:
        tp = TopicPartition(topic, partition)
        consumer.assign([tp])
        consumer.seek(tp, offset)
        record = await consumer.getone()
        return decode(record.key, record.value, record.headers), record
    finally:
        await consumer.stop()


async def run_demo(bootstrap: str, *, report: Callable[[DemoResult], None]) -> list[DemoResult]:
    """Publish the sample events durably, read each back at the offset Kafka gave it, report each trip."""
    await ensure_topics(bootstrap, topic_names())
    events = sample_events(dt.datetime.now(_VN))
    results = []
    async with EventPublisher(bootstrap, client_id=f"lienthong-demo-{os.getpid()}") as publisher:
        for envelope in events:
            where = await publisher.publish(envelope)
            received, record = await _read_back(bootstrap, where)
            result = DemoResult(envelope, received, *where, headers=tuple(record.headers))
            report(result)
            results.append(result)
    return results


def display(result: DemoResult) -> dict[str, Any]:
    """What the demo shows of a trip: headers, key, and the data with personal data masked."""
    return {
        "topic": result.topic,
        "partition": result.partition,
        "offset": result.offset,
        "headers": {name: value.decode() for name, value in result.headers},
        "data": redacted(result.received.data),
        "intact": result.intact,
    }
