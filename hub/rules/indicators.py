"""The national-index indicators from the ledger, exactly: every ratio is a pair of integers.

The definitions are those of ``connectors/simulator/INDICATORS.md`` (the simulator's ground truth), so the
hub's figures match it to the dossier; ``hub/rules/INDICATORS.md`` states how the ledger supplies each input.
In short, for a period P (:mod:`hub.rules.periods`) ending at ``P_end`` and judged at ``E = min(P_end,
as_of)``:

* a dossier counts through the province's latest applied snapshot; dossiers known only from the portal
  (no province event yet) count nowhere;
* its unit is its receiving agency code resolved through the routing table (closed codes → successors);
  the province scope is the sum of the units;
* ``Received(P)``: received date on a Vietnamese day of P. reuse, digitisation, online submission: among
  ``Received(P)``; reuse score ``min(2, 2 * rate / 0.8)``; online payment: among ``Received(P)`` with a fee
  line above zero, those with ``online_payment`` 1 or 2;
* e-result: dossiers with results whose end of processing falls in P, those with an electronic result;
* on time (:mod:`hub.rules.timing`): dossiers with a received date, received in P or ending in P, judged at
  ``E`` (a dossier that ended before it is judged at its end).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from contracts import DossierStatusChanged
from contracts.events import Channel, OnlinePayment
from hub.rules.ledger import LedgerEntry
from hub.rules.periods import Granularity, local_day, period_end, period_key
from hub.rules.registry import Cycle, RoutingTable, resolve
from hub.rules.timing import end_of_processing, on_time

__all__ = [
    "INDICATOR_NAMES",
    "PROVINCE",
    "IndicatorEntry",
    "IndicatorTable",
    "Ratio",
    "compute_indicators",
    "unit_of",
]

PROVINCE = "province"
"""The scope key of the whole province."""
INDICATOR_NAMES = (
    "reuse",
    "reuse_score",
    "on_time",
    "online_submission",
    "online_payment",
    "digitisation",
    "e_result",
)
_REUSE_TARGET = Fraction(8, 10)
_MAX_REUSE_SCORE = Fraction(2)
_PAID_ONLINE = frozenset({OnlinePayment.NATIONAL_PORTAL, OnlinePayment.PROVINCIAL_GATEWAY})


@dataclass(frozen=True, slots=True)
class Ratio:
    """An exact ratio; compare ``numerator``/``denominator``, never ``value``."""

    numerator: int
    denominator: int

    @property
    def fraction(self) -> Fraction | None:
        return Fraction(self.numerator, self.denominator) if self.denominator else None

    def as_json(self) -> dict[str, Any]:
        """``{"numerator", "denominator", "value"}``, ``value`` rounded to 6 decimals for display only."""
        value = self.fraction
        return {
            "numerator": self.numerator,
            "denominator": self.denominator,
            "value": None if value is None else round(float(value), 6),
        }


@dataclass(slots=True)
class _Tally:
    received: int = 0
    reused: int = 0
    digitised: int = 0
    online: int = 0
    with_fee: int = 0
    paid_online: int = 0
    on_time_scope: int = 0
    on_time: int = 0
    with_result: int = 0
    electronic: int = 0


@dataclass(frozen=True, slots=True)
class IndicatorEntry:
    """The figures of one (scope, period)."""

    received: int
    ratios: Mapping[str, Ratio]
    """By name, in :data:`INDICATOR_NAMES` order."""

    @classmethod
    def of(cls, tally: _Tally) -> IndicatorEntry:
        rate = Fraction(tally.reused, tally.received) if tally.received else None
        score = None if rate is None else min(_MAX_REUSE_SCORE, 2 * rate / _REUSE_TARGET)
        return cls(
            received=tally.received,
            ratios={
                "reuse": Ratio(tally.reused, tally.received),
                "reuse_score": Ratio(0, 0) if score is None else Ratio(score.numerator, score.denominator),
                "on_time": Ratio(tally.on_time, tally.on_time_scope),
                "online_submission": Ratio(tally.online, tally.received),
                "online_payment": Ratio(tally.paid_online, tally.with_fee),
                "digitisation": Ratio(tally.digitised, tally.received),
                "e_result": Ratio(tally.electronic, tally.with_result),
            },
        )

    def as_json(self) -> dict[str, Any]:
        return {"received": self.received} | {name: r.as_json() for name, r in self.ratios.items()}


Periods = dict[Granularity, dict[str, IndicatorEntry]]


@dataclass(frozen=True, slots=True)
class IndicatorTable:
    """Entries by scope (:data:`PROVINCE` or a unit code), granularity and period key. A missing entry means
    every denominator of that (scope, period) is zero."""

    scopes: Mapping[str, Periods] = field(default_factory=dict)

    def entry(self, scope: str, granularity: Granularity, key: str) -> IndicatorEntry | None:
        return self.scopes.get(scope, {}).get(granularity, {}).get(key)

    def units(self) -> list[str]:
        return sorted(scope for scope in self.scopes if scope != PROVINCE)

    def scope_json(self, scope: str) -> dict[str, Any]:
        periods = self.scopes.get(scope, {})
        return {
            granularity.value: {
                key: entry.as_json() for key, entry in sorted(periods.get(granularity, {}).items())
            }
            for granularity in Granularity
        }

    def as_json(self) -> dict[str, Any]:
        """The layout of the simulator truth's ``indicators`` (without ``as_of`` and ``definitions``)."""
        return {
            PROVINCE: self.scope_json(PROVINCE),
            "units": {unit: self.scope_json(unit) for unit in self.units()},
        }


def unit_of(table: RoutingTable, code: str) -> str:
    """The unit a dossier addressed to ``code`` counts for: the end of its successor chain (the last code
    reached when it is unknown; ``code`` itself on a cycle)."""
    resolution = resolve(table, code)
    return code if isinstance(resolution, Cycle) else resolution.chain[-1]


def _count_received(tally: _Tally, dossier: DossierStatusChanged) -> None:
    tally.received += 1
    tally.reused += any(c.reused for c in dossier.components)
    tally.digitised += any(c.digitised for c in dossier.components)
    tally.online += dossier.channel is Channel.ONLINE
    if any(fee.amount > 0 for fee in dossier.fees):
        tally.with_fee += 1
        tally.paid_online += dossier.online_payment in _PAID_ONLINE


def _contributions(
    dossier: DossierStatusChanged, as_of: dt.datetime
) -> Iterator[tuple[Granularity, str, str, bool]]:
    """(granularity, period key, what, flag) for each period the dossier counts in."""
    received, end = dossier.received_at, end_of_processing(dossier)
    for granularity in Granularity:
        periods: dict[str, dt.date] = {}
        if received is not None:
            periods[period_key(local_day(received), granularity)] = local_day(received)
        if end is not None and (received is not None or dossier.results):
            periods.setdefault(period_key(local_day(end), granularity), local_day(end))
        for key, day in periods.items():
            if received is not None and period_key(local_day(received), granularity) == key:
                yield granularity, key, "received", False
            if received is not None:
                yield granularity, key, "on_time", on_time(dossier, min(period_end(day, granularity), as_of))
            if end is not None and dossier.results and period_key(local_day(end), granularity) == key:
                yield granularity, key, "result", any(r.electronic for r in dossier.results)


def compute_indicators(
    entries: Iterable[LedgerEntry], table: RoutingTable, *, as_of: dt.datetime
) -> IndicatorTable:
    """Every indicator for the province and each unit, per day, month and quarter, as of ``as_of``."""
    tallies: dict[str, dict[Granularity, dict[str, _Tally]]] = {}
    units: dict[str, str] = {}
    for entry in entries:
        if entry.province is None:
            continue
        dossier = entry.province.snapshot
        code = dossier.receiving_agency_code
        unit = units.get(code)
        if unit is None:
            unit = units[code] = unit_of(table, code)
        for granularity, key, what, flag in _contributions(dossier, as_of):
            for scope in (PROVINCE, unit):
                periods = tallies.setdefault(scope, {g: {} for g in Granularity})[granularity]
                tally = periods.setdefault(key, _Tally())
                if what == "received":
                    _count_received(tally, dossier)
                elif what == "on_time":
                    tally.on_time_scope += 1
                    tally.on_time += flag
                else:
                    tally.with_result += 1
                    tally.electronic += flag
    return IndicatorTable(
        scopes={
            scope: {
                g: {key: IndicatorEntry.of(t) for key, t in periods.items()} for g, periods in by_g.items()
            }
            for scope, by_g in tallies.items()
        }
    )
