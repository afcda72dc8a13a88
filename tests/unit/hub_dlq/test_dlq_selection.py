"""Filters match purely; time bounds are durations back from now or RFC 3339 (Vietnam time when naive)."""

from __future__ import annotations

import datetime as dt

import pytest

from hub.dlq import InvalidMomentError, LetterId, Selection, dlq_topic_name, letter_of, parse_moment
from tests.unit.hub_dlq.records import DLQ_TOPIC, NOW, dossier_dead_letter, garbage_dead_letter

DOSSIER = letter_of(dossier_dead_letter())  # source 000.00.20.H56, invalid_payload, 2 h old
GARBAGE = letter_of(garbage_dead_letter(dlq_reason_code=None, dlq_error_class="KeyMismatchError"))


def test_no_filter_matches_everything_but_chooses_nothing() -> None:
    selection = Selection()
    assert selection.matches(DOSSIER)
    assert selection.matches(GARBAGE)
    assert not selection.chooses
    assert Selection(everything=True).chooses
    assert Selection(ids=(LetterId(DLQ_TOPIC, 0, 0),)).chooses


@pytest.mark.parametrize(
    ("selection", "expected"),
    [
        (Selection(topics=(DLQ_TOPIC,)), (True, True)),
        (Selection(topics=("other.dlq",)), (False, False)),
        (Selection(reasons=("invalid_payload",)), (True, False)),
        (Selection(reasons=("key_mismatch",)), (False, True)),
        (Selection(reasons=("KeyMismatchError", "invalid_payload")), (True, True)),
        (Selection(agencies=("000.00.20.H56",)), (True, False)),
        (Selection(agencies=("000.00.40.H14",)), (False, True)),
        (Selection(dossiers=("000.00.40.H14-250701-0003",)), (False, True)),
        (Selection(since=NOW - dt.timedelta(hours=3)), (True, True)),
        (Selection(since=NOW - dt.timedelta(hours=1)), (False, False)),
        (Selection(until=NOW - dt.timedelta(hours=2)), (False, False)),  # until is exclusive
        (Selection(until=NOW - dt.timedelta(hours=1)), (True, True)),
        (Selection(reasons=("invalid_payload",), agencies=("000.00.40.H14",)), (False, False)),
    ],
)
def test_each_filter_and_their_conjunction(selection: Selection, expected: tuple[bool, bool]) -> None:
    assert (selection.matches(DOSSIER), selection.matches(GARBAGE)) == expected


def test_a_time_bound_excludes_a_dead_letter_without_timestamp() -> None:
    record = garbage_dead_letter()
    record.timestamp = None
    assert not Selection(since=NOW - dt.timedelta(days=9999)).matches(letter_of(record))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90m", NOW - dt.timedelta(minutes=90)),
        ("2h", NOW - dt.timedelta(hours=2)),
        ("7d", NOW - dt.timedelta(days=7)),
        ("1w", NOW - dt.timedelta(weeks=1)),
        ("2025-07-01", dt.datetime(2025, 6, 30, 17, 0, tzinfo=dt.UTC)),
        ("2025-07-01T08:00:00", dt.datetime(2025, 7, 1, 1, 0, tzinfo=dt.UTC)),
        ("2025-07-01T08:00:00Z", dt.datetime(2025, 7, 1, 8, 0, tzinfo=dt.UTC)),
        ("2025-07-01T08:00:00+07:00", dt.datetime(2025, 7, 1, 1, 0, tzinfo=dt.UTC)),
    ],
)
def test_moments(text: str, expected: dt.datetime) -> None:
    assert parse_moment(text, NOW) == expected


@pytest.mark.parametrize("text", ["yesterday", "2h ago", "2025-13-01", "-5d"])
def test_a_malformed_moment_is_refused(text: str) -> None:
    with pytest.raises(InvalidMomentError):
        parse_moment(text, NOW)


def test_a_topic_may_be_named_without_prefix_or_suffix() -> None:
    assert dlq_topic_name("lienthong.dossier.events.v1", "p.") == "p.lienthong.dossier.events.v1.dlq"
    assert dlq_topic_name("p.lienthong.dossier.events.v1.dlq", "p.") == "p.lienthong.dossier.events.v1.dlq"
    assert dlq_topic_name(DLQ_TOPIC, "") == DLQ_TOPIC


def test_the_description_holds_only_what_was_given() -> None:
    selection = Selection(ids=(LetterId(DLQ_TOPIC, 0, 3),), reasons=("x",), since=NOW)
    assert selection.describe() == {"ids": [f"{DLQ_TOPIC}:0:3"], "reasons": ["x"], "since": NOW.isoformat()}
