"""Dead-letter headers: the original headers first and unchanged, then the failure's context."""

from __future__ import annotations

import datetime as dt

from connectors.portal.dead_letters import DLQ_HEADERS, dead_letter_headers
from contracts import InvalidPayloadError

FAILED_AT = dt.datetime(2025, 6, 12, 15, 0, tzinfo=dt.timezone(dt.timedelta(hours=7)))


def test_original_headers_come_first_byte_for_byte() -> None:
    original = [
        ("ce_type", b"vn.gov.lienthong.portal.sync_requested.v1"),
        ("x-raw", b"\x00\xff"),
        ("empty", None),
    ]
    headers = dead_letter_headers(
        original,
        InvalidPayloadError("value is not JSON"),
        context=[
            ("dlq_original_topic", "t.lienthong.portal.commands.v1"),
            ("dlq_original_partition", "2"),
            ("dlq_original_offset", "41"),
            ("dlq_original_timestamp", "2025-06-12T07:59:59+00:00"),
            ("dlq_consumer_group", "g"),
        ],
        first_failure_at=FAILED_AT,
    )
    assert headers[:3] == original
    added = dict(headers[3:])
    assert tuple(added) == DLQ_HEADERS
    assert added["dlq_reason"] == b"value is not JSON"
    assert added["dlq_reason_code"] == b"invalid_payload"
    assert added["dlq_error_class"] == b"InvalidPayloadError"
    assert added["dlq_original_offset"] == b"41"
    assert added["dlq_attempts"] == b"1"
    assert added["dlq_first_failure_at"] == added["dlq_last_failure_at"] == b"2025-06-12T08:00:00+00:00"


def test_reason_header_carries_no_personal_data() -> None:
    headers = dict(
        dead_letter_headers(
            (), ValueError("applicant 004095001234 not allowed"), context=(), first_failure_at=FAILED_AT
        )
    )
    assert b"004095001234" not in headers["dlq_reason"]
