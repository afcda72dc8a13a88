"""Indicators from ledger entries: the worked cases of INDICATORS.md, units, periods, and their invariants."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contracts import DossierStatusChanged
from hub.rules import (
    PROVINCE,
    Granularity,
    IndicatorTable,
    LedgerEntry,
    Ratio,
    RoutingTable,
    apply_dossier_event,
    compute_indicators,
    end_of_processing,
    on_time,
    period_end,
    period_key,
    route_submission,
    supplement_waiting,
)
from hub.rules.parking import ParkingLot
from tests.unit.hub.factories import (
    AGENCY,
    FEE,
    at,
    closed,
    component,
    envelope,
    issued,
    snapshot,
    submission,
    table_of,
)

HORIZON = at(11, 0)
TABLE = table_of(issued(AGENCY))


def _entry(dossier: DossierStatusChanged, event_id: str = "e1") -> LedgerEntry:
    return apply_dossier_event(None, envelope(dossier, event_id), dossier.status_changed_at).entry


def _table(*dossiers: DossierStatusChanged, table: RoutingTable = TABLE) -> IndicatorTable:
    entries = [_entry(d) for d in dossiers]
    return compute_indicators(entries, table, as_of=HORIZON)


def _ratio(
    dossiers: list[DossierStatusChanged], name: str, period: str, granularity: Granularity = Granularity.DAY
) -> Ratio:
    found = _table(*dossiers).entry(PROVINCE, granularity, period)
    return Ratio(0, 0) if found is None else found.ratios[name]


def test_supplement_waiting_is_subtracted_before_comparing_with_the_due_date() -> None:
    dossier = snapshot(9, at(5, 8), due=at(3, 17), rounds=((at(2, 9), at(4, 9)),), processed=at(5, 8))
    assert supplement_waiting(dossier, at(5, 8)) == dt.timedelta(hours=48)
    assert on_time(dossier, HORIZON)
    assert _ratio([dossier], "on_time", "2025-07-05") == Ratio(1, 1)


def test_a_second_supplement_request_makes_the_dossier_overdue() -> None:
    rounds = ((at(1, 9), at(1, 10)), (at(1, 11), at(1, 12)))
    dossier = snapshot(9, at(2, 10), due=at(10, 17), rounds=rounds, processed=at(2, 10))
    assert not on_time(dossier, HORIZON)
    assert _ratio([dossier], "on_time", "2025-07-02") == Ratio(0, 1)


def test_status_9_ends_processing_before_a_later_status_10() -> None:
    dossier = snapshot(10, at(4, 9), due=at(2, 17), processed=at(2, 10), delivered=at(4, 9))
    assert end_of_processing(dossier) == at(2, 10)
    assert _ratio([dossier], "on_time", "2025-07-02") == Ratio(1, 1)
    assert _ratio([dossier], "on_time", "2025-07-04") == Ratio(0, 0)


def test_status_10_ends_processing_when_9_was_never_sent() -> None:
    dossier = snapshot(10, at(3, 9), due=at(2, 17), delivered=at(3, 9))
    assert end_of_processing(dossier) == at(3, 9)
    assert _ratio([dossier], "on_time", "2025-07-03") == Ratio(0, 1)


def test_withdrawal_ends_processing() -> None:
    dossier = snapshot(7, at(2, 12), received=at(1, 8), due=at(2, 17))
    assert end_of_processing(dossier) == at(2, 12)
    assert _ratio([dossier], "on_time", "2025-07-02") == Ratio(1, 1)


@pytest.mark.parametrize(("due", "expected"), [(at(8, 17), Ratio(1, 1)), (at(1, 17), Ratio(0, 1))])
def test_a_dossier_in_progress_is_judged_at_the_end_of_the_period(due: dt.datetime, expected: Ratio) -> None:
    dossier = snapshot(4, at(1, 10), received=at(1, 9), due=due)
    assert _ratio([dossier], "on_time", "2025-07-01") == expected


def test_a_dossier_counts_on_time_on_its_received_day_and_its_end_day_and_once_in_the_month() -> None:
    dossier = snapshot(9, at(5, 10), received=at(1, 8), due=at(8, 17), processed=at(5, 10))
    assert _ratio([dossier], "on_time", "2025-07-01") == Ratio(1, 1)
    assert _ratio([dossier], "on_time", "2025-07-05") == Ratio(1, 1)
    assert _ratio([dossier], "on_time", "2025-07", Granularity.MONTH) == Ratio(1, 1)


def test_a_dossier_refused_at_reception_without_a_received_date_counts_nowhere() -> None:
    assert _table(snapshot(3, at(1, 9))).scopes == {}


def test_a_dossier_known_only_from_the_portal_counts_nowhere() -> None:
    entry = route_submission(None, ParkingLot(), TABLE, submission(), at(1, 7)).entry
    assert compute_indicators([entry], TABLE, as_of=HORIZON).scopes == {}


def test_fee_lines_all_zero_leave_the_online_payment_denominator() -> None:
    free = snapshot(4, fees=(0,), online_payment=0)
    paid = snapshot(4, code=f"{AGENCY}-250701-0002", fees=(0, FEE), online_payment=2)
    cash = snapshot(4, code=f"{AGENCY}-250701-0003", fees=(FEE,), online_payment=0)
    assert _ratio([free, paid, cash], "online_payment", "2025-07-01") == Ratio(1, 2)


def test_reuse_digitisation_online_submission_and_the_reuse_score() -> None:
    reused = snapshot(4, components=(component(reused=True, digitised=True),), channel=2)
    plain = snapshot(4, code=f"{AGENCY}-250701-0002", components=(component(),), channel=1)
    entry = _table(reused, plain).entry(PROVINCE, Granularity.DAY, "2025-07-01")
    assert entry is not None
    assert entry.received == 2
    assert (
        entry.ratios["reuse"]
        == entry.ratios["digitisation"]
        == entry.ratios["online_submission"]
        == Ratio(1, 2)
    )
    assert entry.ratios["reuse_score"] == Ratio(5, 4)
    everything = _table(reused).entry(PROVINCE, Granularity.DAY, "2025-07-01")
    assert everything is not None
    assert everything.ratios["reuse_score"] == Ratio(2, 1)


def test_e_results_count_in_the_period_of_the_end_of_processing() -> None:
    electronic = snapshot(9, at(2, 10), processed=at(2, 10), results=(True,))
    paper = snapshot(9, at(2, 11), code=f"{AGENCY}-250701-0002", processed=at(2, 11), results=(False,))
    assert _ratio([electronic, paper], "e_result", "2025-07-02") == Ratio(1, 2)
    assert _ratio([electronic, paper], "e_result", "2025-07-01") == Ratio(0, 0)


def test_a_dossier_addressed_to_a_closed_code_counts_for_the_successor_unit() -> None:
    old = "000.00.31.H14"
    table = table_of(issued(AGENCY), closed(old, AGENCY))
    figures = _table(snapshot(4, code=f"{old}-250701-0001", agency=old), table=table)
    assert figures.units() == [AGENCY]


def test_a_dossier_addressed_to_an_unknown_code_counts_under_that_code() -> None:
    figures = _table(snapshot(4), table=RoutingTable())
    assert figures.units() == [AGENCY]


def test_the_latest_snapshot_counts_not_a_late_older_one() -> None:
    processed = snapshot(9, at(2, 10), due=at(2, 17), processed=at(2, 10), results=(True,))
    entry = _entry(processed, "e2")
    late = apply_dossier_event(entry, envelope(snapshot(4, at(1, 9)), "e1"), at(2, 11)).entry
    figures = compute_indicators([late], TABLE, as_of=HORIZON)
    found = figures.entry(PROVINCE, Granularity.DAY, "2025-07-02")
    assert found is not None
    assert found.ratios["e_result"] == Ratio(1, 1)


@pytest.mark.parametrize(
    ("day", "granularity", "key", "end"),
    [
        (dt.date(2025, 7, 31), Granularity.DAY, "2025-07-31", at(1, month=8, hour=0)),
        (dt.date(2025, 7, 15), Granularity.MONTH, "2025-07", at(1, month=8, hour=0)),
        (dt.date(2025, 8, 15), Granularity.QUARTER, "2025-Q3", at(1, month=10, hour=0)),
        (dt.date(2025, 12, 31), Granularity.QUARTER, "2025-Q4", dt.datetime(2026, 1, 1, tzinfo=at(1).tzinfo)),
    ],
)
def test_periods_are_vietnamese_calendar_days_months_and_quarters(
    day: dt.date, granularity: Granularity, key: str, end: dt.datetime
) -> None:
    assert period_key(day, granularity) == key
    assert period_end(day, granularity) == end


def test_a_received_instant_late_in_the_utc_day_counts_on_the_next_vietnamese_day() -> None:
    received = dt.datetime(2025, 7, 1, 18, 30, tzinfo=dt.UTC)  # 2 July 01:30 in Vietnam
    dossier = snapshot(4, received + dt.timedelta(hours=1), received=received, due=at(8, 17))
    figures = _table(dossier)
    assert figures.entry(PROVINCE, Granularity.DAY, "2025-07-02") is not None
    assert figures.entry(PROVINCE, Granularity.DAY, "2025-07-01") is None


def test_the_table_renders_the_simulator_truth_layout() -> None:
    document = _table(snapshot(4)).as_json()
    assert set(document) == {PROVINCE, "units"}
    day = document[PROVINCE]["day"]["2025-07-01"]
    assert day["received"] == 1
    assert day["reuse"] == {"numerator": 1, "denominator": 1, "value": 1.0}


# --- properties --------------------------------------------------------------------------------------------

_UNITS = ["000.00.40.H14", "000.00.41.H14", "000.00.42.H14"]
_CLOSED = {"000.00.31.H14": "000.00.40.H14", "000.00.32.H14": "000.00.31.H14"}
_PROPERTY_TABLE = table_of(*(issued(u) for u in _UNITS), *(closed(c, s) for c, s in _CLOSED.items()))


def _minutes(draw: st.DrawFn, low: int, high: int) -> dt.timedelta:
    return dt.timedelta(minutes=draw(st.integers(low, high)))


@st.composite
def _dossiers(draw: st.DrawFn, ordinal: int) -> DossierStatusChanged:
    status = draw(st.sampled_from([2, 3, 4, 5, 6, 7, 8, 9, 10]))
    received: dt.datetime | None = at(1) + _minutes(draw, 0, 100 * 24 * 60)
    if status in (3, 7) and draw(st.booleans()):
        received = None
    start = received or at(1) + _minutes(draw, 0, 100 * 24 * 60)
    due = start + _minutes(draw, 0, 20 * 24 * 60)
    requested = sorted(start + _minutes(draw, 1, 10 * 24 * 60) for _ in range(draw(st.integers(0, 2))))
    if status == 5 and not requested:
        requested = [start + _minutes(draw, 1, 60)]
    rounds = tuple(
        (r, None if status == 5 and i == len(requested) - 1 else r + _minutes(draw, 1, 3 * 24 * 60))
        for i, r in enumerate(requested)
    )
    end = max([start, *(b or a for a, b in rounds)]) + _minutes(draw, 1, 10 * 24 * 60)
    processed = end if status == 9 or (status == 10 and draw(st.booleans())) else None
    delivered = end + _minutes(draw, 0, 3 * 24 * 60) if status == 10 else None
    agency = draw(st.sampled_from(_UNITS + list(_CLOSED)))
    extra: dict[str, Any] = {}
    if received is None:
        extra["received"] = None
    return snapshot(
        status,
        delivered or processed or (end if status in (3, 7, 8) else start + _minutes(draw, 0, 60)),
        code=f"{agency}-250701-{ordinal:04d}",
        agency=agency,
        received=received,
        due=due if received is not None else None,
        processed=processed,
        delivered=delivered,
        rounds=rounds if received is not None else (),
        results=tuple(draw(st.lists(st.booleans(), max_size=2))) if status in (9, 10) else (),
        fees=draw(st.sampled_from([(), (0,), (FEE,), (0, FEE)])),
        components=(component(reused=draw(st.booleans()), digitised=draw(st.booleans())),),
        channel=draw(st.sampled_from([1, 2, 3])),
        online_payment=draw(st.sampled_from([0, 1, 2])),
    )


@st.composite
def _populations(draw: st.DrawFn) -> list[DossierStatusChanged]:
    count = draw(st.integers(0, 12))
    return [draw(_dossiers(i + 1)) for i in range(count)]


@settings(max_examples=80, deadline=None)
@given(_populations(), st.integers(0, 120 * 24))
def test_every_numerator_is_within_its_denominator_and_the_province_is_the_sum_of_its_units(
    dossiers: list[DossierStatusChanged], hours: int
) -> None:
    figures = compute_indicators(
        [_entry(d) for d in dossiers], _PROPERTY_TABLE, as_of=at(1, 0) + dt.timedelta(hours=hours)
    )
    assert set(figures.units()) <= set(_UNITS)
    for granularity in Granularity:
        for key, province in figures.scopes.get(PROVINCE, {}).get(granularity, {}).items():
            units = [figures.entry(u, granularity, key) for u in figures.units()]
            present = [u for u in units if u is not None]
            assert province.received == sum(u.received for u in present)
            for name, ratio in province.ratios.items():
                if name == "reuse_score":
                    rate = province.ratios["reuse"].fraction
                    expected = None if rate is None else min(Fraction(2), 2 * rate / Fraction(4, 5))
                    assert ratio.fraction == expected
                    continue
                assert 0 <= ratio.numerator <= ratio.denominator
                assert ratio.numerator == sum(u.ratios[name].numerator for u in present)
                assert ratio.denominator == sum(u.ratios[name].denominator for u in present)
