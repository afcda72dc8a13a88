"""Counts by topic, reason, agency and age; each dimension bounded however varied the queue."""

from __future__ import annotations

import datetime as dt

from hub.dlq import LetterCounts, age_bucket, letter_of
from hub.dlq.counts import MAX_KEYS, OTHER
from tests.unit.hub_dlq.records import DLQ_TOPIC, NOW, FakeRecord, dossier_dead_letter, garbage_dead_letter


def _ms(moment: dt.datetime) -> int:
    return int(moment.timestamp() * 1000)


def test_age_buckets() -> None:
    assert [
        age_bucket(NOW - age, NOW)
        for age in (
            dt.timedelta(minutes=5),
            dt.timedelta(hours=5),
            dt.timedelta(days=3),
            dt.timedelta(days=10),
            dt.timedelta(days=45),
        )
    ] == ["< 1h", "1h-1d", "1d-7d", "7d-30d", ">= 30d"]
    assert age_bucket(None, NOW) == "no timestamp"


def test_the_counts_of_a_small_queue() -> None:
    counts = LetterCounts(now=NOW)
    old = garbage_dead_letter(offset=2, dlq_reason_code="key_mismatch")
    old.timestamp = _ms(NOW - dt.timedelta(days=40))
    for record in (dossier_dead_letter(0), garbage_dead_letter(1), old):
        counts.add(letter_of(record), replayed=record.offset == 0)
    assert counts.as_dict() == {
        "as_of": NOW.isoformat(),
        "total": 3,
        "replayed": 1,
        "discarded": 0,
        "by_topic": {DLQ_TOPIC: 3},
        "by_reason": {"invalid_payload": 2, "key_mismatch": 1},
        "by_agency": {"000.00.40.H14": 2, "000.00.20.H56": 1},
        "by_age": {"1h-1d": 2, ">= 30d": 1},
    }


def test_a_dimension_never_holds_more_than_max_keys() -> None:
    counts = LetterCounts(now=NOW)
    for n in range(MAX_KEYS + 50):
        counts.add(letter_of(FakeRecord(offset=n, value=b"x", headers=[("ce_source", f"src-{n}".encode())])))
    assert len(counts.by_agency) == MAX_KEYS + 1
    assert counts.by_agency[OTHER] == 50
    assert counts.total == MAX_KEYS + 50
