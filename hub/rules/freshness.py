"""Sync freshness: how long the portal took to hold what the province said, from the ledger's history.

For each revision the hub applied, the delay runs from the province event's ``ce_time`` (when the province
says it happened) to the first portal acknowledgement of that revision or a later one (each snapshot is
whole, so acknowledging revision 5 brings 3 and 4 along). A revision counts in the period of the Vietnamese
day of its event time, in the unit of the dossier (as for the other indicators). Revisions not acknowledged
yet are counted as ``pending`` and left out of the percentiles. Percentiles are nearest-rank (the p-th is
the ⌈p·n/100⌉-th smallest delay): an actual delay, no interpolation. A negative delay (the province's clock
ahead of the portal connector's) counts as zero.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from hub.rules.indicators import PROVINCE, unit_of
from hub.rules.ledger import LedgerEntry
from hub.rules.periods import Granularity, local_day, period_key
from hub.rules.registry import RoutingTable

__all__ = ["Freshness", "FreshnessTable", "nearest_rank", "sync_freshness"]

_ZERO = dt.timedelta(0)


def nearest_rank(ordered: Sequence[dt.timedelta], percent: int) -> dt.timedelta:
    """The ``percent``-th percentile of an ascending, non-empty sequence, by the nearest-rank method."""
    if not ordered or not 0 < percent <= 100:
        raise ValueError("nearest_rank needs values and a percent in (0, 100]")
    return ordered[(percent * len(ordered) + 99) // 100 - 1]


@dataclass(frozen=True, slots=True)
class Freshness:
    """Sync delays of one (scope, period)."""

    synced: int
    pending: int
    p50: dt.timedelta | None
    p95: dt.timedelta | None
    max: dt.timedelta | None

    @classmethod
    def of(cls, delays: list[dt.timedelta], pending: int) -> Freshness:
        ordered = sorted(delays)
        if not ordered:
            return cls(synced=0, pending=pending, p50=None, p95=None, max=None)
        return cls(
            synced=len(ordered),
            pending=pending,
            p50=nearest_rank(ordered, 50),
            p95=nearest_rank(ordered, 95),
            max=ordered[-1],
        )


FreshnessTable = Mapping[str, Mapping[Granularity, Mapping[str, Freshness]]]
"""Scope (:data:`~hub.rules.indicators.PROVINCE` or a unit) → granularity → period key → figures."""


def sync_freshness(entries: Iterable[LedgerEntry], table: RoutingTable) -> FreshnessTable:
    """Freshness of every applied revision, per scope, granularity and period."""
    delays: dict[tuple[str, Granularity, str], list[dt.timedelta]] = {}
    pending: dict[tuple[str, Granularity, str], int] = {}
    units: dict[str, str] = {}
    for entry in entries:
        if entry.province is None:
            continue
        code = entry.province.snapshot.receiving_agency_code
        unit = units.get(code)
        if unit is None:
            unit = units[code] = unit_of(table, code)
        for record in entry.history:
            if record.revision is None:
                continue
            day = local_day(record.event_time)
            for granularity in Granularity:
                key = period_key(day, granularity)
                for scope in (PROVINCE, unit):
                    slot = (scope, granularity, key)
                    delays.setdefault(slot, [])
                    if record.acknowledged_at is None:
                        pending[slot] = pending.get(slot, 0) + 1
                    else:
                        delays[slot].append(max(_ZERO, record.acknowledged_at - record.event_time))
    result: dict[str, dict[Granularity, dict[str, Freshness]]] = {}
    for (scope, granularity, key), found in delays.items():
        periods = result.setdefault(scope, {g: {} for g in Granularity})
        periods[granularity][key] = Freshness.of(found, pending.get((scope, granularity, key), 0))
    return result
