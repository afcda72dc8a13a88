"""The values crossing the store's port: what they refuse, and the outbox header encoding."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.store import (
    ApplyOutcome,
    ApplyResult,
    Change,
    EventId,
    FindingQuery,
    FindingRecord,
    OutboxMessage,
    StoreCorruptError,
    finding_id,
)
from hub.store.codec import decode_headers, encode_headers, utc

NOW = dt.datetime(2025, 3, 1, 8, 30, tzinfo=dt.UTC)


def _finding(fid: str = "f", **overrides: object) -> FindingRecord:
    fields: dict[str, object] = {
        "finding_id": fid,
        "subject": "H14.22-250301-0001",
        "type": "regression",
        "state": "open",
        "detail": "status 4 after 5",
        "opened_at": NOW,
    }
    return FindingRecord(**(fields | overrides))  # type: ignore[arg-type]


def test_a_change_refuses_a_negative_version_an_empty_code_and_a_finding_twice() -> None:
    with pytest.raises(ValueError, match="expected_version"):
        Change("D1", -1, "{}", None)
    with pytest.raises(ValueError, match="dossier code"):
        Change("", 0, "{}", None)
    with pytest.raises(ValueError, match="each finding once"):
        Change("D1", 0, "{}", None, findings=(_finding("a"), _finding("a", state="healed")))


def test_timestamps_must_be_timezone_aware() -> None:
    """A naive datetime has no instant: findings refuse it, and so does the UTC conversion."""
    with pytest.raises(ValueError, match="timezone-aware"):
        _finding(opened_at=dt.datetime(2025, 3, 1, 8, 30))
    with pytest.raises(ValueError, match="timezone-aware"):
        _finding(healed_at=dt.datetime(2025, 3, 1, 9, 30))
    hanoi = dt.datetime(2025, 3, 1, 15, 30, tzinfo=dt.timezone(dt.timedelta(hours=7)))
    assert utc(hanoi) == NOW
    assert utc(hanoi).utcoffset() == dt.timedelta(0)


def test_event_ids_topics_and_queries_refuse_empty_or_silly_values() -> None:
    with pytest.raises(ValueError, match="event source"):
        EventId("", "1")
    with pytest.raises(ValueError, match="event id"):
        EventId("H14.1", "")
    with pytest.raises(ValueError, match="topic"):
        OutboxMessage(topic="", value=b"")
    with pytest.raises(ValueError, match="limit"):
        FindingQuery(limit=0)


def test_finding_ids_follow_the_rules_identity() -> None:
    """(type, subject, key) identifies a finding; the id keeps the three apart."""
    assert finding_id("regression", "D1", "evt-9") == "regression|D1|evt-9"
    assert finding_id("missing_on_portal", "D1") != finding_id("missing_on_portal", "D2")


def test_apply_results_say_what_happened() -> None:
    assert ApplyResult(ApplyOutcome.APPLIED, 3, (7,)).applied
    assert ApplyResult(ApplyOutcome.DUPLICATE, 3).duplicate


_headers = st.lists(st.tuples(st.text(), st.binary()), max_size=6).map(tuple)


@given(_headers)
def test_outbox_headers_read_back_exactly(headers: tuple[tuple[str, bytes], ...]) -> None:
    """Any header list (repeated names, empty and non-UTF-8 values) survives the JSON column."""
    assert decode_headers(encode_headers(headers)) == headers


def test_utf8_header_values_stay_readable_in_the_column() -> None:
    encoded = encode_headers((("ce_source", "Sở Tư pháp".encode()), ("x-raw", b"\xff")))
    assert encoded == '[["ce_source","Sở Tư pháp"],["x-raw",{"base64":"/w=="}]]'


@pytest.mark.parametrize(
    "text", ["not json", "{}", '["ab"]', '[["a"]]', '[[1, "x"]]', '[["a", {"b64": "x"}]]', '[["a", {}]]']
)
def test_unreadable_outbox_headers_are_reported_corrupt(text: str) -> None:
    with pytest.raises(StoreCorruptError):
        decode_headers(text)
