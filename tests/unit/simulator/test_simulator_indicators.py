"""The indicator definitions of INDICATORS.md on hand-built lifecycles, one timing rule per test."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest

from connectors.simulator import (
    Granularity,
    compute_indicators,
    end_of_processing,
    on_time,
    supplement_waiting,
)
from connectors.simulator.indicators import Ratio, period_end, period_key
from connectors.simulator.lifecycle import PaymentPlan, ResultRecord
from connectors.simulator.provinces import Unit, UnitKind
from tests.unit.simulator.simulator_factories import COMMUNE, at, component, fee, make_dossier

HORIZON = at(11, 0)


def _ratio(dossiers: list, indicator: str, period: str, granularity: Granularity = Granularity.DAY) -> Ratio:
    table = compute_indicators(dossiers, as_of=HORIZON)
    return table.tally("province", granularity, period).ratios()[indicator]


def test_supplement_waiting_is_subtracted_before_comparing_with_the_due_date() -> None:
    dossier = make_dossier(
        steps=[(2, at(1, 8)), (4, at(1, 9)), (5, at(2, 9)), (4, at(4, 9)), (9, at(5, 8))],
        rounds=[(at(2, 9), at(4, 9))],
        processed_at=at(5, 8),
    )
    assert end_of_processing(dossier) == at(5, 8) > dossier.due_at
    assert supplement_waiting(dossier, at(5, 8)) == dt.timedelta(hours=48)
    assert on_time(dossier, HORIZON)
    assert _ratio([dossier], "on_time", "2025-07-05") == Ratio(1, 1)


def test_a_second_supplement_request_makes_the_dossier_overdue() -> None:
    dossier = make_dossier(
        due_at=at(10, 17),
        steps=[(2, at(1, 8)), (5, at(1, 9)), (4, at(1, 10)), (5, at(1, 11)), (4, at(1, 12)), (9, at(2, 10))],
        rounds=[(at(1, 9), at(1, 10)), (at(1, 11), at(1, 12))],
        processed_at=at(2, 10),
    )
    assert not on_time(dossier, HORIZON)
    assert _ratio([dossier], "on_time", "2025-07-02") == Ratio(0, 1)


def test_status_9_ends_processing_before_a_later_status_10() -> None:
    dossier = make_dossier(
        due_at=at(2, 17),
        steps=[(2, at(1, 8)), (4, at(1, 9)), (9, at(2, 10)), (10, at(4, 9))],
        processed_at=at(2, 10),
        delivered_at=at(4, 9),
    )
    assert end_of_processing(dossier) == at(2, 10)
    assert on_time(dossier, HORIZON)
    assert _ratio([dossier], "on_time", "2025-07-02") == Ratio(1, 1)
    assert _ratio([dossier], "on_time", "2025-07-04").denominator == 0


def test_status_10_ends_processing_when_9_was_never_sent() -> None:
    dossier = make_dossier(
        due_at=at(2, 17), steps=[(2, at(1, 8)), (4, at(1, 9)), (10, at(3, 10))], delivered_at=at(3, 10)
    )
    assert end_of_processing(dossier) == at(3, 10)
    assert not on_time(dossier, HORIZON)


@pytest.mark.parametrize(("status", "when", "expected"), [(7, at(2, 12), True), (8, at(3, 12), False)])
def test_withdrawal_and_stop_end_processing_at_their_time(
    status: int, when: dt.datetime, expected: bool
) -> None:
    dossier = make_dossier(due_at=at(2, 17), steps=[(2, at(1, 8)), (4, at(1, 9)), (status, when)])
    assert end_of_processing(dossier) == when
    assert on_time(dossier, HORIZON) is expected


def test_in_progress_within_deadline_at_the_period_end_counts_as_on_time() -> None:
    dossier = make_dossier(received_at=at(1, 9), due_at=at(8, 17), steps=[(2, at(1, 9)), (4, at(1, 10))])
    assert end_of_processing(dossier) is None
    assert _ratio([dossier], "on_time", "2025-07-01") == Ratio(1, 1)
    assert _ratio([dossier], "on_time", "2025-07", Granularity.MONTH) == Ratio(0, 1)  # judged at the horizon


def test_in_progress_past_its_due_date_at_the_period_end_is_not_on_time() -> None:
    dossier = make_dossier(received_at=at(1, 9), due_at=at(1, 17), steps=[(2, at(1, 9)), (4, at(1, 10))])
    assert _ratio([dossier], "on_time", "2025-07-01") == Ratio(0, 1)


def test_an_open_supplement_round_stops_the_clock_until_the_evaluation_instant() -> None:
    dossier = make_dossier(
        received_at=at(1, 9),
        due_at=at(1, 17),
        steps=[(2, at(1, 9)), (5, at(1, 10))],
        rounds=[(at(1, 10), None)],
    )
    assert supplement_waiting(dossier, at(2, 0)) == dt.timedelta(hours=14)
    assert _ratio([dossier], "on_time", "2025-07-01") == Ratio(1, 1)


def test_a_dossier_counts_in_the_period_it_was_received_and_the_one_it_finished() -> None:
    dossier = make_dossier(
        due_at=at(8, 17), steps=[(2, at(1, 8)), (4, at(1, 9)), (9, at(5, 10))], processed_at=at(5, 10)
    )
    assert _ratio([dossier], "on_time", "2025-07-01") == Ratio(1, 1)
    assert _ratio([dossier], "on_time", "2025-07-05") == Ratio(1, 1)
    assert _ratio([dossier], "on_time", "2025-07", Granularity.MONTH) == Ratio(1, 1)


def test_a_dossier_without_received_date_is_excluded_from_every_indicator() -> None:
    refused = make_dossier(
        steps=[(3, at(1, 8))], received_at=None, due_at=None, components=(component(reused=True),)
    )
    table = compute_indicators([refused], as_of=HORIZON)
    assert table.scopes() == []


def test_fee_lines_all_zero_are_not_in_the_online_payment_denominator() -> None:
    exempt = make_dossier(fees=(fee(0),))
    paid = make_dossier(
        code="000.00.40.H14-250701-5002",
        fees=(fee(2000),),
        payment_plan=PaymentPlan.PORTAL,
        paid_at=at(1, 8, 30),
    )
    unpaid = make_dossier(
        code="000.00.40.H14-250701-5003", fees=(fee(2000), fee(0)), payment_plan=PaymentPlan.CASH
    )
    assert _ratio([exempt, paid, unpaid], "online_payment", "2025-07-01") == Ratio(1, 2)


def test_online_payment_counts_the_flag_of_the_last_province_event() -> None:
    paid_late = make_dossier(fees=(fee(2000),), payment_plan=PaymentPlan.PORTAL, paid_at=at(1, 10))
    assert paid_late.online_payment == 0
    assert _ratio([paid_late], "online_payment", "2025-07-01") == Ratio(0, 1)


def test_reuse_digitisation_and_online_submission_count_received_dossiers() -> None:
    dossiers = [
        make_dossier(code="000.00.40.H14-250701-5001", components=(component(reused=True),)),
        make_dossier(code="000.00.40.H14-250701-5002", components=(component(reused=True),), channel=2),
        make_dossier(code="000.00.40.H14-250701-5003", components=(component(digitised=True),)),
    ]
    table = compute_indicators(dossiers, as_of=HORIZON)
    ratios = table.tally("province", Granularity.DAY, "2025-07-01").ratios()
    assert ratios["reuse"] == Ratio(2, 3)
    assert (
        ratios["reuse_score"].fraction
        == min(Fraction(2), 2 * Fraction(2, 3) / Fraction(8, 10))
        == Fraction(5, 3)
    )
    assert ratios["digitisation"] == Ratio(3, 3)
    assert ratios["online_submission"] == Ratio(1, 3)


def test_reuse_score_is_capped_at_two() -> None:
    table = compute_indicators([make_dossier(components=(component(reused=True),))], as_of=HORIZON)
    assert table.tally("province", Granularity.DAY, "2025-07-01").ratios()["reuse_score"] == Ratio(2, 1)


def test_e_result_counts_dossiers_with_results_in_the_period_of_their_end() -> None:
    electronic = make_dossier(
        steps=[(2, at(1, 8)), (9, at(2, 10))],
        processed_at=at(2, 10),
        results=(ResultRecord("KQ01", "Giấy khai sinh", True, at(2, 10)),),
    )
    paper = make_dossier(
        code="000.00.40.H14-250701-5002",
        steps=[(2, at(1, 8)), (9, at(2, 11))],
        processed_at=at(2, 11),
        results=(ResultRecord("KQ01", "Giấy khai sinh", False, at(2, 11)),),
    )
    assert _ratio([electronic, paper], "e_result", "2025-07-02") == Ratio(1, 2)
    assert _ratio([electronic, paper], "e_result", "2025-07-01").denominator == 0


def test_a_dossier_sent_with_a_closed_code_counts_for_its_true_unit() -> None:
    dossier = make_dossier(sent_agency_code="000.00.30.H14", code="000.00.30.H14-250701-5001")
    other = Unit("000.00.41.H14", "Ủy ban nhân dân phường Nùng Trí Cao", UnitKind.COMMUNE)
    table = compute_indicators([dossier, make_dossier(unit=other)], as_of=HORIZON)
    assert table.scopes() == sorted(["province", COMMUNE.code, other.code])
    assert table.tally(COMMUNE.code, Granularity.DAY, "2025-07-01").received == 1


@pytest.mark.parametrize(
    ("granularity", "key", "end"),
    [
        (Granularity.DAY, "2025-12-31", dt.datetime(2026, 1, 1, 0, 0)),
        (Granularity.MONTH, "2025-12", dt.datetime(2026, 1, 1, 0, 0)),
        (Granularity.QUARTER, "2025-Q4", dt.datetime(2026, 1, 1, 0, 0)),
    ],
)
def test_periods_are_vietnamese_calendar_days_months_and_quarters(
    granularity: Granularity, key: str, end: dt.datetime
) -> None:
    day = dt.date(2025, 12, 31)
    assert period_key(day, granularity) == key
    assert (
        period_end(day, granularity)
        == at(1, 0, month=1).replace(year=2026)
        == end.replace(tzinfo=at(1, 0).tzinfo)
    )


def test_the_day_of_an_instant_is_its_date_in_vietnam() -> None:
    late_utc = dt.datetime(2025, 7, 1, 18, 30, tzinfo=dt.UTC)  # 2 July 01:30 in Vietnam
    dossier = make_dossier(received_at=late_utc, due_at=at(4, 17), steps=[(2, late_utc)])
    table = compute_indicators([dossier], as_of=HORIZON)
    assert table.tally("province", Granularity.DAY, "2025-07-02").received == 1
