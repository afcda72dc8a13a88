"""The retry tiers' pure parts: tier names, the retry_* stamp, and the holds that keep a dossier's order."""

from __future__ import annotations

import datetime as dt

import pytest

from connectors.portal.tiers import (
    HELD_REASON,
    RETRY_HEADERS,
    HoldBook,
    Pending,
    RetryStamp,
    TierPlan,
    original_headers,
    read_stamp,
    stamped_headers,
)
from connectors.portal.topics import ConnectorTopics

FIRST_FAILURE = dt.datetime(2025, 6, 12, 8, 0, 5, tzinfo=dt.UTC)


def _stamp(**changes: object) -> RetryStamp:
    values: dict[str, object] = {
        "tier": 2,
        "due_at_ms": 1_749_715_265_000,
        "origin_offset": 41,
        "origin_timestamp_ms": 1_749_715_200_000,
        "attempts": 2,
        "first_failure_at": FIRST_FAILURE,
        "reason_code": "portal_unavailable",
    }
    return RetryStamp(**(values | changes))  # type: ignore[arg-type]


def test_tier_topics_follow_the_command_topic_and_agree_with_the_connector_topics() -> None:
    topics = ConnectorTopics("p.")
    plan = TierPlan(topics.commands, (60.0, 600.0, 3600.0))
    assert plan.topics == tuple(topics.retry_tier(n) for n in (1, 2, 3))
    assert plan.topics[0] == "p.lienthong.portal.commands.v1.retry.1"
    assert [plan.tier_of(topic) for topic in (topics.commands, *plan.topics)] == [0, 1, 2, 3]
    assert (plan.last, plan.delay(1), plan.delay(3)) == (3, 60.0, 3600.0)
    with pytest.raises(ValueError, match="neither"):
        plan.tier_of(topics.command_dead_letters)
    with pytest.raises(ValueError, match="no retry tier 4"):
        plan.topic(4)


def test_a_stamp_survives_its_headers_and_replaces_an_earlier_one() -> None:
    original = [("ce_id", b"e-1"), ("x-raw", b"\x00\xff"), ("empty", None)]
    once = stamped_headers(original, _stamp(tier=1, attempts=1))
    twice = stamped_headers(once, _stamp())
    assert twice[:3] == original  # the command's own headers first, byte for byte
    assert [name for name, _ in twice[3:]] == list(RETRY_HEADERS)  # one stamp only: the latest
    assert read_stamp(twice) == _stamp()
    assert original_headers(twice) == original


def test_a_held_command_has_no_failure_of_its_own_and_is_due_at_once() -> None:
    held = _stamp(due_at_ms=0, attempts=0, first_failure_at=None, reason_code=HELD_REASON)
    back = read_stamp(stamped_headers([], held))
    assert back == held
    assert back is not None
    assert back.held
    assert back.is_due(FIRST_FAILURE)
    assert not _stamp().held


@pytest.mark.parametrize(
    "headers",
    [
        [],  # never stamped
        [(name, value) for name, value in stamped_headers([], _stamp()) if name != "retry_due_at"],
        [(n, b"soon" if n == "retry_due_at" else v) for n, v in stamped_headers([], _stamp())],
        [(n, b"\xff" if n == "retry_reason_code" else v) for n, v in stamped_headers([], _stamp())],
    ],
    ids=["none", "missing", "not-a-number", "not-utf8"],
)
def test_an_unreadable_stamp_reads_as_none(headers: list[tuple[str, bytes | None]]) -> None:
    assert read_stamp(headers) is None


def test_due_compares_with_the_wall_clock_in_milliseconds() -> None:
    stamp = _stamp(due_at_ms=int(FIRST_FAILURE.timestamp() * 1000) + 1)
    assert not stamp.is_due(FIRST_FAILURE)
    assert stamp.is_due(FIRST_FAILURE + dt.timedelta(milliseconds=1))
    assert stamp.due_at == FIRST_FAILURE + dt.timedelta(milliseconds=1)


def test_the_head_is_the_oldest_command_of_the_dossier_wherever_it_is() -> None:
    book = HoldBook()
    book.put(0, b"A", 10, 1)
    book.put(0, b"A", 12, 1)  # held behind 10
    book.put(0, b"A", 10, 2)  # 10 climbs: still the head
    assert book.head(0, b"A") == Pending(10, 2)
    assert book.head(1, b"A") is None  # another partition number knows nothing of it
    assert not book.holds(0, b"B")
    book.remove(0, b"A", 10)
    assert book.head(0, b"A") == Pending(12, 1)  # the held one is next
    book.remove(0, b"A", 12)
    assert not book.holds(0, b"A")
    assert book.count() == book.dossiers() == 0


def test_reset_replaces_what_a_partition_number_holds() -> None:
    book = HoldBook()
    book.put(0, b"A", 1, 1)
    book.put(2, b"C", 5, 3)
    book.reset(0, [(b"B", 7, 2), (b"B", 3, 3), (b"D", 9, 1)])
    assert book.head(0, b"A") is None
    assert book.head(0, b"B") == Pending(3, 3)  # ordered by the command-topic offset, not by tier
    assert (book.count(), book.dossiers()) == (4, 3)
    book.forget(2)
    assert book.head(2, b"C") is None
