"""Dead letters keep the original headers byte for byte and add where the record came from and why."""

from __future__ import annotations

import datetime as dt

from aiokafka import ConsumerRecord

from contracts import InvalidPayloadError
from hub.app.dead_letters import dead_letter_headers, reason_code
from hub.app.http import masked_entry
from tests.unit.hub.factories import applied, at, event


def test_dead_letter_headers_follow_the_original_ones_unchanged() -> None:
    original = [("ce_id", b"\xff\x00raw"), ("x", b"")]
    record = ConsumerRecord(
        topic="p.lienthong.dossier.events.v1",
        partition=2,
        offset=41,
        timestamp=1_751_331_600_000,
        timestamp_type=0,
        key=b"k",
        value=b"v",
        checksum=None,
        serialized_key_size=1,
        serialized_value_size=1,
        headers=original,
    )
    first = dt.datetime(2025, 7, 1, 1, 0, tzinfo=dt.UTC)
    now = dt.datetime(2025, 7, 1, 1, 5, tzinfo=dt.UTC)
    error = InvalidPayloadError("bad")
    headers = dead_letter_headers(record, error, "bad", "g", attempts=3, first_failure_at=first, now=now)
    assert headers[:2] == original
    assert dict(headers[2:]) == {
        "dlq_reason": b"bad",
        "dlq_reason_code": b"invalid_payload",
        "dlq_error_class": b"InvalidPayloadError",
        "dlq_original_topic": b"p.lienthong.dossier.events.v1",
        "dlq_original_partition": b"2",
        "dlq_original_offset": b"41",
        "dlq_original_timestamp": b"2025-07-01T01:00:00Z",
        "dlq_consumer_group": b"g",
        "dlq_attempts": b"3",
        "dlq_first_failure_at": b"2025-07-01T01:00:00Z",
        "dlq_last_failure_at": b"2025-07-01T01:05:00Z",
    }
    assert reason_code(error) == "invalid_payload"


def test_the_dossier_view_masks_the_applicant() -> None:
    envelope = event(4, at(1, 9), "e-1")
    shown = masked_entry(applied(envelope))
    assert envelope.data.applicant.name not in str(shown)
    assert shown["province"]["snapshot"]["applicant"]["name"] == "<personal data>"
