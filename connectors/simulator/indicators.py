"""The national-index indicators, computed from dossier records alone, exactly (fractions, not floats).

The definitions are pinned in ``connectors/simulator/INDICATORS.md``; this module is their reference
implementation. In short, for a period P of Vietnamese calendar days ending at the instant ``P_end`` and the
evaluation instant ``E = min(P_end, as_of)``:

* received in P: ``received_at`` set and its Vietnamese day in P;
* reuse, digitisation, online submission: among dossiers received in P, those with a reused component, a
  digitised component, channel 2; reuse score = min(2, 2 * rate / 0.8);
* online payment: among dossiers received in P whose fee lines are not all zero, those with
  ``online_payment`` 1 or 2;
* e-result: among dossiers with a result whose end of processing falls in P, those with an electronic one;
* on time: among dossiers received in P or whose end of processing falls in P (received ones only), those
  finished by ``P_end`` on time, plus those not finished by ``P_end`` still within their deadline at ``E``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from fractions import Fraction
from typing import Any

from connectors.simulator.lifecycle import Dossier
from connectors.simulator.workdays import local_date, midnight

__all__ = [
    "INDICATOR_NAMES",
    "Granularity",
    "IndicatorTable",
    "Ratio",
    "Tally",
    "compute_indicators",
    "end_of_processing",
    "on_time",
    "period_end",
    "period_key",
    "supplement_waiting",
]

_ENDING = frozenset({3, 7, 8})
_REUSE_TARGET = Fraction(8, 10)
_MAX_REUSE_SCORE = Fraction(2)
INDICATOR_NAMES = (
    "reuse",
    "reuse_score",
    "on_time",
    "online_submission",
    "online_payment",
    "digitisation",
    "e_result",
)


class Granularity(StrEnum):
    DAY = "day"
    MONTH = "month"
    QUARTER = "quarter"


def period_key(day: dt.date, granularity: Granularity) -> str:
    """``2025-07-01``, ``2025-07`` or ``2025-Q3``."""
    if granularity is Granularity.DAY:
        return day.isoformat()
    if granularity is Granularity.MONTH:
        return f"{day:%Y-%m}"
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def period_end(day: dt.date, granularity: Granularity) -> dt.datetime:
    """The first instant after the period of ``granularity`` that contains ``day``."""
    if granularity is Granularity.DAY:
        return midnight(day + dt.timedelta(days=1))
    months = 1 if granularity is Granularity.MONTH else 3
    first_month = day.month if granularity is Granularity.MONTH else (day.month - 1) // 3 * 3 + 1
    month_index = day.year * 12 + first_month - 1 + months
    return midnight(dt.date(month_index // 12, month_index % 12 + 1, 1))


@dataclass(frozen=True, slots=True)
class Ratio:
    """An exact ratio; ``value`` is None when nothing is counted."""

    numerator: int
    denominator: int

    @property
    def fraction(self) -> Fraction | None:
        return Fraction(self.numerator, self.denominator) if self.denominator else None

    def as_json(self) -> dict[str, Any]:
        value = self.fraction
        return {
            "numerator": self.numerator,
            "denominator": self.denominator,
            "value": None if value is None else round(float(value), 6),
        }


def end_of_processing(dossier: Dossier) -> dt.datetime | None:
    """processed_at (9), else delivered_at (10), else when it was stopped, refused or withdrawn (8, 3, 7)."""
    if dossier.processed_at is not None:
        return dossier.processed_at
    if dossier.delivered_at is not None:
        return dossier.delivered_at
    final = dossier.steps[-1]
    return final.at if final.status in _ENDING else None


def supplement_waiting(dossier: Dossier, until: dt.datetime) -> dt.timedelta:
    """Time spent waiting for the applicant's supplements before ``until`` (an open round counts to it)."""
    waited = dt.timedelta(0)
    for round_ in dossier.rounds:
        if round_.requested_at < until:
            returned = round_.returned_at if round_.returned_at is not None else until
            waited += min(returned, until) - round_.requested_at
    return waited


def on_time(dossier: Dossier, moment: dt.datetime) -> bool:
    """Whether the dossier is (or finished) on time as judged at ``moment``: at most one supplement request
    before ``moment``, and ``moment`` (or the end of processing, if earlier) minus the waiting time is not
    after the due date."""
    assert dossier.due_at is not None
    end = end_of_processing(dossier)
    judged = end if end is not None and end < moment else moment
    if sum(1 for r in dossier.rounds if r.requested_at < judged) > 1:
        return False
    return judged - supplement_waiting(dossier, judged) <= dossier.due_at


@dataclass(slots=True)
class Tally:
    """Counters of one (scope, period)."""

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

    @property
    def empty(self) -> bool:
        return not (self.received or self.on_time_scope or self.with_result)

    def ratios(self) -> dict[str, Ratio]:
        reuse = Ratio(self.reused, self.received)
        rate = reuse.fraction
        score = None if rate is None else min(_MAX_REUSE_SCORE, 2 * rate / _REUSE_TARGET)
        return {
            "reuse": reuse,
            "reuse_score": Ratio(score.numerator, score.denominator) if score is not None else Ratio(0, 0),
            "on_time": Ratio(self.on_time, self.on_time_scope),
            "online_submission": Ratio(self.online, self.received),
            "online_payment": Ratio(self.paid_online, self.with_fee),
            "digitisation": Ratio(self.digitised, self.received),
            "e_result": Ratio(self.electronic, self.with_result),
        }

    def as_json(self) -> dict[str, Any]:
        return {"received": self.received} | {name: r.as_json() for name, r in self.ratios().items()}


@dataclass(slots=True)
class IndicatorTable:
    """Tallies by scope (``province`` or a unit code), granularity and period key."""

    tallies: dict[str, dict[Granularity, dict[str, Tally]]] = field(default_factory=dict)

    def tally(self, scope: str, granularity: Granularity, key: str) -> Tally:
        if scope not in self.tallies:
            self.tallies[scope] = {g: {} for g in Granularity}
        periods = self.tallies[scope][granularity]
        found = periods.get(key)
        if found is None:
            found = periods[key] = Tally()
        return found

    def scope_json(self, scope: str) -> dict[str, Any]:
        periods = self.tallies.get(scope, {g: {} for g in Granularity})
        return {
            granularity.value: {
                key: periods[granularity][key].as_json() for key in sorted(periods[granularity])
            }
            for granularity in Granularity
        }

    def scopes(self) -> list[str]:
        return sorted(self.tallies)


def _count_received(tally: Tally, dossier: Dossier) -> None:
    tally.received += 1
    tally.reused += any(c.reused for c in dossier.components)
    tally.digitised += any(c.digitised for c in dossier.components)
    tally.online += dossier.online
    if any(fee.amount > 0 for fee in dossier.fees):
        tally.with_fee += 1
        tally.paid_online += dossier.online_payment in (1, 2)


def _contributions(dossier: Dossier, as_of: dt.datetime) -> Iterator[tuple[Granularity, str, str, bool]]:
    """(granularity, period key, what, flag) for each period the dossier counts in: received there (flag
    unused), in the on-time figures there (flag: on time), or with results ending there (flag: electronic)."""
    received, end = dossier.received_at, end_of_processing(dossier)
    received_day = local_date(received) if received is not None else None
    end_day = local_date(end) if end is not None else None
    electronic = any(r.electronic for r in dossier.results)
    for granularity in Granularity:
        received_key = end_key = None
        if received_day is not None:
            received_key = period_key(received_day, granularity)
            yield granularity, received_key, "received", False
            judged = min(period_end(received_day, granularity), as_of)
            yield granularity, received_key, "on_time", on_time(dossier, judged)
        if end_day is not None:
            end_key = period_key(end_day, granularity)
            if received_key is not None and end_key != received_key:
                judged = min(period_end(end_day, granularity), as_of)
                yield granularity, end_key, "on_time", on_time(dossier, judged)
            if dossier.results:
                yield granularity, end_key, "result", electronic


def compute_indicators(dossiers: Iterable[Dossier], *, as_of: dt.datetime) -> IndicatorTable:
    """Every indicator for the province and each true receiving unit, per day, month and quarter."""
    table = IndicatorTable()
    for dossier in dossiers:
        for granularity, key, what, flag in _contributions(dossier, as_of):
            for scope in ("province", dossier.unit.code):
                tally = table.tally(scope, granularity, key)
                if what == "received":
                    _count_received(tally, dossier)
                elif what == "on_time":
                    tally.on_time_scope += 1
                    tally.on_time += flag
                else:
                    tally.with_result += 1
                    tally.electronic += flag
    return table
