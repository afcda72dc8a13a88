"""A dead letter read back: its id, the original headers apart from the context, and what is derived."""

from __future__ import annotations

import pytest

from hub.dlq import InvalidLetterIdError, LetterId, letter_of
from tests.unit.hub_dlq.records import (
    DLQ_TOPIC,
    SOURCE_TOPIC,
    FakeRecord,
    dossier_dead_letter,
    garbage_dead_letter,
)


def test_an_id_is_topic_partition_offset_both_ways() -> None:
    letter_id = LetterId.parse(f"{DLQ_TOPIC}:2:41")
    assert letter_id == LetterId(DLQ_TOPIC, 2, 41)
    assert str(letter_id) == f"{DLQ_TOPIC}:2:41"
    assert LetterId.parse(" t.x-y_z.dlq:0:0 ") == LetterId("t.x-y_z.dlq", 0, 0)


@pytest.mark.parametrize(
    "text", ["", "topic", "topic:1", "topic:a:1", "topic:1:-1", ":1:2", "to pic:1:2", "t:1:2:3", "t/x:1:2"]
)
def test_a_malformed_id_is_refused_with_the_expected_form(text: str) -> None:
    with pytest.raises(InvalidLetterIdError, match="TOPIC:PARTITION:OFFSET"):
        LetterId.parse(text)


def test_the_original_headers_are_kept_in_order_and_the_context_is_set_apart() -> None:
    record = dossier_dead_letter(offset=7)
    letter = letter_of(record)
    assert letter.id == LetterId(DLQ_TOPIC, 0, 7)
    assert [name for name, _ in letter.headers] == [
        name for name, _ in record.headers if not name.startswith("dlq_")
    ]
    assert letter.headers == tuple(record.headers[: len(letter.headers)])
    assert letter.context["dlq_original_offset"] == "41"
    assert (letter.original_topic, letter.original_partition, letter.original_offset) == (SOURCE_TOPIC, 2, 41)
    assert letter.event_id == "e1"
    assert (letter.key, letter.value) == (record.key, record.value)


def test_the_agency_is_the_source_then_the_dossier_codes_agency_part() -> None:
    assert letter_of(dossier_dead_letter()).agencies == ("000.00.20.H56",)
    garbage = letter_of(garbage_dead_letter())
    assert garbage.dossier_code == "000.00.40.H14-250701-0003"
    assert garbage.agency == "000.00.40.H14"


def test_a_source_that_is_no_agency_code_counts_only_when_nothing_better_is_known() -> None:
    record = FakeRecord(key=b"?", value=b"x", headers=[("ce_source", b"portal-connector")])
    assert letter_of(record).agency == "portal-connector"
    unknown = letter_of(FakeRecord(key=None, value=None, headers=[]))
    assert (unknown.agency, unknown.dossier_code) == ("unknown", None)


def test_absent_optional_headers_are_tolerated() -> None:
    letter = letter_of(
        garbage_dead_letter(
            dlq_reason_code=None, dlq_attempts=None, dlq_original_timestamp=None, dlq_last_failure_at=None
        )
    )
    assert letter.reason_code == "invalid_payload"  # from the error class, as the hub derives it
    assert letter.attempts is None


def test_without_any_context_the_source_topic_comes_from_the_dead_letter_topic_name() -> None:
    letter = letter_of(FakeRecord(topic="p.lienthong.portal.submissions.v1.dlq", value=b"x", timestamp=None))
    assert letter.original_topic == "p.lienthong.portal.submissions.v1"
    assert (letter.reason_code, letter.original_partition, letter.timestamp) == ("unknown", None, None)
