"""Sync freshness from the ledger: province event time to the portal's first acknowledgement."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.rules import PROVINCE, Granularity, LedgerEntry, apply_sync_completed, sync_freshness
from hub.rules.freshness import nearest_rank
from tests.unit.hub.factories import AGENCY, applied, at, completed, event, issued, table_of

TABLE = table_of(issued(AGENCY))
MINUTE = dt.timedelta(minutes=1)


def _synced(delays_minutes: list[int]) -> list[LedgerEntry]:
    entries = []
    for i, delay in enumerate(delays_minutes):
        code = f"{AGENCY}-250701-{i + 1:04d}"
        entry = applied(event(2, at(1, 8), f"e{i}", code=code))
        acknowledged = at(1, 8) + delay * MINUTE
        entries.append(
            apply_sync_completed(entry, completed(1, 2, acknowledged, code=code), acknowledged).entry
        )
    return entries


def test_percentiles_are_nearest_rank_actual_delays() -> None:
    figures = sync_freshness(_synced(list(range(1, 21))), TABLE)[PROVINCE][Granularity.DAY]["2025-07-01"]
    assert (figures.synced, figures.pending) == (20, 0)
    assert (figures.p50, figures.p95, figures.max) == (10 * MINUTE, 19 * MINUTE, 20 * MINUTE)


def test_an_acknowledgement_of_a_later_revision_ends_the_delay_of_the_earlier_ones() -> None:
    entry = applied(event(2, at(1, 8), "e1"), event(4, at(1, 9), "e2"))
    entry = apply_sync_completed(entry, completed(2, 4, at(1, 9, 5)), at(1, 9, 5)).entry
    figures = sync_freshness([entry], TABLE)[AGENCY][Granularity.DAY]["2025-07-01"]
    assert (figures.synced, figures.p50, figures.max) == (2, 5 * MINUTE, 65 * MINUTE)


def test_revisions_not_acknowledged_are_pending_and_left_out_of_the_percentiles() -> None:
    entry = applied(event(2, at(1, 8), "e1"))
    figures = sync_freshness([entry], TABLE)[PROVINCE][Granularity.MONTH]["2025-07"]
    assert (figures.synced, figures.pending, figures.p50) == (0, 1, None)


def test_an_acknowledgement_stamped_before_the_event_counts_as_no_delay() -> None:
    entry = applied(event(2, at(1, 8), "e1"))
    entry = apply_sync_completed(entry, completed(1, 2, at(1, 7, 59)), at(1, 8)).entry
    figures = sync_freshness([entry], TABLE)[PROVINCE][Granularity.DAY]["2025-07-01"]
    assert figures.max == dt.timedelta(0)


def test_regressions_are_not_revisions_and_do_not_count() -> None:
    entry = applied(event(4, at(1, 9), "e2"), event(2, at(1, 8), "e1"))
    assert sum(1 for r in entry.history if r.revision is None) == 1
    figures = sync_freshness([entry], TABLE)[PROVINCE][Granularity.DAY]["2025-07-01"]
    assert figures.synced + figures.pending == 1


@given(st.lists(st.integers(0, 10_000), min_size=1, max_size=200), st.integers(1, 100))
def test_nearest_rank_picks_an_element_with_enough_values_at_or_below_it(
    values: list[int], percent: int
) -> None:
    ordered = sorted(dt.timedelta(seconds=v) for v in values)
    chosen = nearest_rank(ordered, percent)
    assert chosen in ordered
    assert sum(1 for v in ordered if v <= chosen) * 100 >= percent * len(ordered)
    assert sum(1 for v in ordered if v < chosen) * 100 < percent * len(ordered)


def test_nearest_rank_refuses_nothing_to_rank() -> None:
    with pytest.raises(ValueError, match="nearest_rank"):
        nearest_rank([], 50)
