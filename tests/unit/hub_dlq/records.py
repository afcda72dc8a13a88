"""Dead-letter records for the dead-letter tool's tests: a valid dossier event or garbage, with ``dlq_*``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from contracts import encode
from tests.unit.contracts.factories import make_dossier
from tests.unit.hub.factories import envelope

NOW = dt.datetime(2025, 7, 10, 12, 0, tzinfo=dt.UTC)
DLQ_TOPIC = "lienthong.dossier.events.v1.dlq"
SOURCE_TOPIC = "lienthong.dossier.events.v1"
GARBAGE = b'{"dossier": "x", "name": "Nguy\xe1\xbb\x85n V\xc4\x83n An", "cccd": "004095001234"}'


@dataclass
class FakeRecord:
    """What the tool reads from aiokafka's ``ConsumerRecord``."""

    topic: str = DLQ_TOPIC
    partition: int = 0
    offset: int = 0
    timestamp: int | None = int((NOW - dt.timedelta(hours=2)).timestamp() * 1000)
    key: bytes | None = None
    value: bytes | None = None
    headers: list[tuple[str, bytes | None]] = field(default_factory=list)


def context(**overrides: str | None) -> list[tuple[str, bytes | None]]:
    """The ``dlq_*`` headers of the hub's writer; an override of ``None`` leaves that header out."""
    headers: dict[str, str | None] = {
        "dlq_reason": "value is not a JSON object",
        "dlq_reason_code": "invalid_payload",
        "dlq_error_class": "InvalidPayloadError",
        "dlq_original_topic": SOURCE_TOPIC,
        "dlq_original_partition": "2",
        "dlq_original_offset": "41",
        "dlq_original_timestamp": "2025-07-10T09:59:00Z",
        "dlq_consumer_group": "lienthong-hub",
        "dlq_attempts": "1",
        "dlq_first_failure_at": "2025-07-10T10:00:00Z",
        "dlq_last_failure_at": "2025-07-10T10:00:00Z",
    }
    headers.update(overrides)
    return [(name, value.encode()) for name, value in headers.items() if value is not None]


def dossier_dead_letter(offset: int = 0, *, event_id: str = "e1", **overrides: str | None) -> FakeRecord:
    """A valid dossier event (applicant with name, personal id and phone) as a dead letter."""
    record = encode(envelope(make_dossier(), event_id, source="000.00.20.H56"))
    return FakeRecord(
        offset=offset, key=record.key, value=record.value, headers=[*record.headers, *context(**overrides)]
    )


def garbage_dead_letter(offset: int = 1, **overrides: str | None) -> FakeRecord:
    return FakeRecord(
        offset=offset, key=b"000.00.40.H14-250701-0003", value=GARBAGE, headers=context(**overrides)
    )
