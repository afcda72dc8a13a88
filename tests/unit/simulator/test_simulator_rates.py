"""Generated traffic realises the profile's shares within sampling error (4 standard errors of n draws)."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable
from fractions import Fraction

import pytest

from connectors.simulator import (
    Dossier,
    PaymentPlan,
    Simulation,
    UnitKind,
    end_of_processing,
    profile,
    simulate,
)
from connectors.simulator.generator import unit_rates
from connectors.simulator.workdays import local_date

START = dt.date(2025, 7, 1)
CAO_BANG = profile("cao-bang")


@pytest.fixture(scope="module")
def month() -> Simulation:
    """A 30-day Cao Bằng run at the default scale (≈5,400 dossiers)."""
    return simulate("cao-bang", start=START, days=30, seed=7)


@pytest.fixture(scope="module")
def settled() -> list[Dossier]:
    """Dossiers received in the first 20 days of a 60-day run: every lifecycle has ended by its horizon."""
    sim = simulate("cao-bang", start=START, days=60, seed=11, scale="0.5")
    return [
        d
        for d in sim.dossiers
        if d.received_at is not None and local_date(d.received_at) < dt.date(2025, 7, 21)
    ]


def assert_share(items: Iterable[Dossier], hit: Callable[[Dossier], bool], target: Fraction) -> None:
    flags = [hit(item) for item in items]
    n, p = len(flags), float(target)
    assert n >= 200, f"too few draws ({n}) to judge a share"
    realised = sum(flags) / n
    error = math.sqrt(p * (1 - p) / n)
    assert abs(realised - p) <= 4 * error, (
        f"realised {realised:.4f} vs target {p:.4f} (n={n}, 4 SE={4 * error:.4f})"
    )


def test_a_month_of_cao_bang_is_a_few_thousand_dossiers(month: Simulation) -> None:
    expected = float(sum(unit_rates(CAO_BANG, Fraction(1)).values())) * 30
    assert abs(len(month.dossiers) - expected) <= 4 * math.sqrt(expected)
    assert 4000 <= len(month.dossiers) <= 7000


@pytest.mark.parametrize("kind", list(UnitKind))
def test_online_share_per_unit_kind(month: Simulation, kind: UnitKind) -> None:
    dossiers = [d for d in month.dossiers if d.unit.kind is kind]
    assert_share(dossiers, lambda d: d.online, CAO_BANG.kind(kind).online_share)


def test_fee_share(month: Simulation) -> None:
    assert_share(month.dossiers, lambda d: d.fee_total > 0, CAO_BANG.fee_share)


def test_online_payment_share_among_dossiers_with_a_fee(month: Simulation) -> None:
    with_fee = [d for d in month.dossiers if d.fee_total > 0]
    online = (PaymentPlan.PORTAL, PaymentPlan.GATEWAY)
    assert_share(with_fee, lambda d: d.payment_plan in online, CAO_BANG.online_payment_share)


def test_reuse_share(month: Simulation) -> None:
    assert_share(month.dossiers, lambda d: any(c.reused for c in d.components), CAO_BANG.reuse_share)


def test_digitisation_share(month: Simulation) -> None:
    assert_share(
        month.dossiers, lambda d: any(c.digitised for c in d.components), CAO_BANG.digitisation_share
    )


def test_e_result_share_among_dossiers_with_a_result(month: Simulation) -> None:
    with_result = [d for d in month.dossiers if d.results]
    assert_share(with_result, lambda d: any(r.electronic for r in d.results), CAO_BANG.e_result_share)


def test_supplement_share_among_received_dossiers(settled: list[Dossier]) -> None:
    assert_share(settled, lambda d: bool(d.rounds), CAO_BANG.supplement_share)


@pytest.mark.parametrize("kind", list(UnitKind))
def test_on_time_share_of_dossiers_processed_with_at_most_one_supplement(
    settled: list[Dossier], kind: UnitKind
) -> None:
    processed = [
        d for d in settled if d.unit.kind is kind and d.final_status in (9, 10) and len(d.rounds) <= 1
    ]
    assert all(d.final_status not in (2, 4, 5, 6) for d in settled), "the window should have let them finish"

    def finished_on_time(dossier: Dossier) -> bool:
        end = end_of_processing(dossier)
        assert end is not None
        assert dossier.due_at is not None
        waited = sum(((r.returned_at or end) - r.requested_at for r in dossier.rounds), dt.timedelta(0))
        return end - waited <= dossier.due_at

    assert_share(processed, finished_on_time, CAO_BANG.kind(kind).on_time_share)


def test_every_share_of_every_province_is_a_probability() -> None:
    for key in ("cao-bang", "dak-lak", "dong-nai", "lam-dong"):
        chosen = profile(key)
        shares = [
            chosen.reuse_share,
            chosen.digitisation_share,
            chosen.fee_share,
            chosen.online_payment_share,
        ]
        shares += [chosen.communes.online_share, chosen.departments.on_time_share]
        assert all(0 <= share <= 1 for share in shares)
        assert chosen.province.units
