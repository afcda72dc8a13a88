"""Delayed retry tiers for sync commands the portal could not take, and the holds that keep a dossier's order.

A sync whose in-process retries (:data:`~connectors.portal.retries.PORTAL_CALL`, within the sync deadline) all
met a transient error is not reported as failed: it is *parked* in the first retry tier,
``<commands>.retry.1``, to be tried again once that tier's delay has passed; failing there, it climbs to
``.retry.2``, then ``.retry.3``; failing at the last tier it is dead-lettered. With the default delays
(1 min, 10 min, 1 h) a dossier rides out an outage of about 71 minutes without an operator.

While one of a dossier's commands is parked, its later commands are *held*: they are not synced, but
forwarded to the tier the parked command is in, behind it (they keep the dossier code as key, and every
tier has the command topic's partition count, so they land in the same partition after it). When the parked
command is done, the next one is the dossier's new head and is synced as soon as its tier reaches it. A
command never overtakes an earlier one of its dossier, and its delay is the one of the command it waits for.

The state — which dossiers have commands in the tiers, in which order and where — is not stored anywhere of
its own: it is what the tiers hold past the group's committed offsets, and is read back from them when
partitions are assigned. That is sound because every move (into a tier, up a tier, out to the dead-letter
topic) and the source record's offset are committed in one Kafka transaction (:mod:`connectors.portal.moves`),
and because the command topic and its tiers are assigned together (partition *n* of each to the same
member: the range assignor, equal partition counts).

A moved record keeps its key, value and original headers byte for byte; the ``retry_*`` headers below are
replaced on every move::

    retry_tier              1, 2, 3 … (decimal)
    retry_due_at            when it may be tried, epoch milliseconds (0 for a held command: at once when
                            it is the dossier's head)
    retry_origin_offset     the command's offset on the command topic: the dossier's order
    retry_origin_timestamp  the command's Kafka timestamp there, epoch milliseconds
    retry_attempts          sync attempts so far (each one's own in-process retries count once)
    retry_first_failure_at  RFC 3339 UTC; empty for a held command that never failed itself
    retry_reason_code       why it was parked (portal_unavailable, portal_throttled …), or held_behind
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

__all__ = [
    "HELD_REASON",
    "RETRY_HEADERS",
    "HoldBook",
    "Pending",
    "RetryStamp",
    "TierPlan",
    "original_headers",
    "read_stamp",
    "stamped_headers",
    "tier_topic",
]

HELD_REASON = "held_behind"
RETRY_HEADERS = (
    "retry_tier",
    "retry_due_at",
    "retry_origin_offset",
    "retry_origin_timestamp",
    "retry_attempts",
    "retry_first_failure_at",
    "retry_reason_code",
)

Headers = Sequence[tuple[str, bytes | None]]


def tier_topic(commands: str, tier: int) -> str:
    """``<commands>.retry.<tier>``: the one place the tiers' names are made."""
    return f"{commands}.retry.{tier}"


@dataclass(frozen=True, slots=True)
class TierPlan:
    """The retry tiers of one command topic: ``<commands>.retry.<n>`` waits ``delays[n - 1]`` seconds."""

    commands: str
    delays: tuple[float, ...]

    @property
    def topics(self) -> tuple[str, ...]:
        return tuple(self.topic(tier) for tier in range(1, len(self.delays) + 1))

    def topic(self, tier: int) -> str:
        if not 1 <= tier <= len(self.delays):
            raise ValueError(f"no retry tier {tier}: there are {len(self.delays)}")
        return tier_topic(self.commands, tier)

    def tier_of(self, topic: str) -> int:
        """0 for the command topic itself, else the tier number; ValueError for any other topic."""
        if topic == self.commands:
            return 0
        for tier, name in enumerate(self.topics, start=1):
            if topic == name:
                return tier
        raise ValueError(f"{topic} is neither {self.commands} nor one of its retry tiers")

    @property
    def last(self) -> int:
        return len(self.delays)

    def delay(self, tier: int) -> float:
        return self.delays[tier - 1]


@dataclass(frozen=True, slots=True)
class RetryStamp:
    """What the ``retry_*`` headers of a moved command say."""

    tier: int
    due_at_ms: int
    origin_offset: int
    origin_timestamp_ms: int
    attempts: int
    first_failure_at: dt.datetime | None
    reason_code: str

    @property
    def held(self) -> bool:
        return self.reason_code == HELD_REASON

    def is_due(self, now: dt.datetime) -> bool:
        return self.due_at_ms <= int(now.timestamp() * 1000)

    @property
    def due_at(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.due_at_ms / 1000, dt.UTC)


def stamped_headers(original: Headers, stamp: RetryStamp) -> list[tuple[str, bytes | None]]:
    """``original`` without any earlier ``retry_*`` headers, then this stamp's."""
    kept = [(name, value) for name, value in original if name not in RETRY_HEADERS]
    first = b"" if stamp.first_failure_at is None else _rfc3339(stamp.first_failure_at)
    return [
        *kept,
        ("retry_tier", str(stamp.tier).encode()),
        ("retry_due_at", str(stamp.due_at_ms).encode()),
        ("retry_origin_offset", str(stamp.origin_offset).encode()),
        ("retry_origin_timestamp", str(stamp.origin_timestamp_ms).encode()),
        ("retry_attempts", str(stamp.attempts).encode()),
        ("retry_first_failure_at", first),
        ("retry_reason_code", stamp.reason_code.encode()),
    ]


def original_headers(headers: Headers) -> list[tuple[str, bytes | None]]:
    """The headers as the command had them on the command topic."""
    return [(name, value) for name, value in headers if name not in RETRY_HEADERS]


def read_stamp(headers: Headers) -> RetryStamp | None:
    """The stamp in ``headers``; ``None`` when there is none or it is unreadable (it is dead-lettered)."""
    found = {name: value for name, value in headers if name in RETRY_HEADERS}
    if len(found) != len(RETRY_HEADERS):
        return None
    try:
        first = (found["retry_first_failure_at"] or b"").decode()
        return RetryStamp(
            tier=int(found["retry_tier"] or b""),
            due_at_ms=int(found["retry_due_at"] or b""),
            origin_offset=int(found["retry_origin_offset"] or b""),
            origin_timestamp_ms=int(found["retry_origin_timestamp"] or b""),
            attempts=int(found["retry_attempts"] or b""),
            first_failure_at=dt.datetime.fromisoformat(first) if first else None,
            reason_code=(found["retry_reason_code"] or b"").decode(),
        )
    except (UnicodeDecodeError, ValueError):
        return None


def _rfc3339(moment: dt.datetime) -> bytes:
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z").encode()


@dataclass(frozen=True, slots=True, order=True)
class Pending:
    """One command of a dossier that is in the tiers: its place in the dossier's order, and its tier."""

    origin_offset: int
    tier: int = field(compare=False)


@dataclass(slots=True)
class HoldBook:
    """Per partition number, per dossier key: its commands in the tiers, oldest first (the head)."""

    _partitions: dict[int, dict[bytes | None, list[Pending]]] = field(default_factory=dict)

    def head(self, partition: int, key: bytes | None) -> Pending | None:
        pending = self._partitions.get(partition, {}).get(key)
        return pending[0] if pending else None

    def holds(self, partition: int, key: bytes | None) -> bool:
        return self.head(partition, key) is not None

    def put(self, partition: int, key: bytes | None, origin_offset: int, tier: int) -> None:
        """Record that the command at ``origin_offset`` is now in ``tier`` (added, or moved there)."""
        keys = self._partitions.setdefault(partition, {})
        pending = [p for p in keys.get(key, []) if p.origin_offset != origin_offset]
        pending.append(Pending(origin_offset, tier))
        pending.sort()
        keys[key] = pending

    def remove(self, partition: int, key: bytes | None, origin_offset: int) -> None:
        keys = self._partitions.get(partition, {})
        pending = [p for p in keys.get(key, []) if p.origin_offset != origin_offset]
        if pending:
            keys[key] = pending
        else:
            keys.pop(key, None)

    def reset(self, partition: int, entries: Iterable[tuple[bytes | None, int, int]]) -> None:
        """Replace what is known of ``partition`` by ``(key, origin offset, tier)`` entries."""
        self._partitions[partition] = {}
        for key, origin_offset, tier in entries:
            self.put(partition, key, origin_offset, tier)

    def forget(self, partition: int) -> None:
        self._partitions.pop(partition, None)

    def count(self) -> int:
        """Commands in the tiers, over every partition known here."""
        return sum(len(p) for keys in self._partitions.values() for p in keys.values())

    def dossiers(self) -> int:
        return sum(len(keys) for keys in self._partitions.values())
