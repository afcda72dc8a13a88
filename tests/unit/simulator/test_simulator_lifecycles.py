"""Invariants of every generated lifecycle: ordered in time, cut at the horizon, consistent with its dates."""

from __future__ import annotations

import datetime as dt

import pytest

from connectors.simulator import PaymentPlan, Simulation, simulate

TERMINAL = {3, 7, 8, 9, 10}


@pytest.fixture(scope="module")
def fortnight() -> Simulation:
    return simulate("dak-lak", start=dt.date(2025, 8, 25), days=14, seed=13, scale="0.2")


def test_statuses_are_strictly_ordered_in_time_and_before_the_horizon(fortnight: Simulation) -> None:
    for dossier in fortnight.dossiers:
        times = [step.at for step in dossier.steps]
        assert times == sorted(times)
        assert len(set(times)) == len(times), dossier.code
        assert times[-1] < fortnight.horizon


def test_only_online_dossiers_start_with_the_portal_status_1(fortnight: Simulation) -> None:
    for dossier in fortnight.dossiers:
        statuses = [step.status for step in dossier.steps]
        assert (statuses[0] == 1) is dossier.online
        assert 1 not in statuses[1:]
        assert not TERMINAL & set(statuses[:-1]) - {9}, "nothing follows an ending status but 10 after 9"


def test_dates_agree_with_the_statuses(fortnight: Simulation) -> None:
    for dossier in fortnight.dossiers:
        statuses = {step.status: step.at for step in dossier.steps}
        assert (dossier.received_at is not None) is (2 in statuses)
        if dossier.received_at is not None:
            assert dossier.due_at is not None
            assert dossier.due_at >= dossier.received_at
            assert dossier.due_at.hour == 17
        assert dossier.processed_at == statuses.get(9)
        assert dossier.delivered_at == statuses.get(10)
        for round_ in dossier.rounds:
            assert round_.requested_at in {step.at for step in dossier.steps if step.status == 5}
            assert round_.returned_at is None or round_.returned_at > round_.requested_at


def test_payments_only_for_dossiers_with_a_fee_and_cut_at_the_horizon(fortnight: Simulation) -> None:
    for dossier in fortnight.dossiers:
        if dossier.payments:
            assert dossier.fee_total > 0
            assert dossier.payment_plan in (PaymentPlan.PORTAL, PaymentPlan.CASH)
            assert all(attempt.at < fortnight.horizon for attempt in dossier.payments)
            assert all(attempt.amount == dossier.fee_total for attempt in dossier.payments)
        if dossier.payment_plan is PaymentPlan.CASH:
            assert not any(attempt.succeeded for attempt in dossier.payments)
