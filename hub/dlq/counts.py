"""Counting dead letters by topic, reason, agency and age, in memory that does not grow with the queue.

Each dimension keeps at most :data:`MAX_KEYS` distinct keys; further ones are folded into ``(other)``, so a
queue of garbage with a different ``ce_source`` per record still costs a bounded dictionary.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from hub.dlq.letters import DeadLetter

__all__ = ["AGE_BUCKETS", "MAX_KEYS", "OTHER", "LetterCounts", "age_bucket"]

MAX_KEYS = 500
OTHER = "(other)"
AGE_BUCKETS: tuple[tuple[dt.timedelta, str], ...] = (
    (dt.timedelta(hours=1), "< 1h"),
    (dt.timedelta(days=1), "1h-1d"),
    (dt.timedelta(days=7), "1d-7d"),
    (dt.timedelta(days=30), "7d-30d"),
)
OLDEST_BUCKET = ">= 30d"
NO_TIME_BUCKET = "no timestamp"


def age_bucket(timestamp: dt.datetime | None, now: dt.datetime) -> str:
    """The age bucket of a dead letter written at ``timestamp``, seen at ``now``."""
    if timestamp is None:
        return NO_TIME_BUCKET
    age = now - timestamp
    for limit, name in AGE_BUCKETS:
        if age < limit:
            return name
    return OLDEST_BUCKET


def _bucket_order(name: str) -> int:
    names = [bucket for _, bucket in AGE_BUCKETS] + [OLDEST_BUCKET, NO_TIME_BUCKET]
    return names.index(name)


def _bump(counter: Counter[str], key: str) -> None:
    if key in counter or len(counter) < MAX_KEYS:
        counter[key] += 1
    else:
        counter[OTHER] += 1


@dataclass
class LetterCounts:
    """Totals of the dead letters seen (discarded ones only when they were asked for)."""

    now: dt.datetime
    total: int = 0
    replayed: int = 0
    """Of ``total``: replayed at least once (to any target); still in the dead-letter topic."""
    discarded: int = 0
    """Of ``total``: discarded (counted only with ``include_discarded``)."""
    by_topic: Counter[str] = field(default_factory=Counter)
    by_reason: Counter[str] = field(default_factory=Counter)
    by_agency: Counter[str] = field(default_factory=Counter)
    by_age: Counter[str] = field(default_factory=Counter)

    def add(self, letter: DeadLetter, *, replayed: bool = False, discarded: bool = False) -> None:
        self.total += 1
        self.replayed += replayed
        self.discarded += discarded
        _bump(self.by_topic, letter.id.topic)
        _bump(self.by_reason, letter.reason_code)
        _bump(self.by_agency, letter.agency)
        self.by_age[age_bucket(letter.timestamp, self.now)] += 1

    def as_dict(self) -> dict[str, Any]:
        """JSON data: the totals, then each dimension most frequent first (ages youngest first)."""
        return {
            "as_of": self.now.isoformat(),
            "total": self.total,
            "replayed": self.replayed,
            "discarded": self.discarded,
            "by_topic": dict(self.by_topic.most_common()),
            "by_reason": dict(self.by_reason.most_common()),
            "by_agency": dict(self.by_agency.most_common()),
            "by_age": {name: self.by_age[name] for name in sorted(self.by_age, key=_bucket_order)},
        }
