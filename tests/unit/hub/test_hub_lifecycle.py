"""Applying province dossier events: revisions, duplicates, regressions, terminal statuses, idempotence."""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contracts import DossierStatus, Envelope, PortalSyncRequested, SyncReason
from hub.rules import (
    DEFAULT_SETTINGS,
    FindingState,
    FindingType,
    LedgerEntry,
    Outcome,
    RuleSettings,
    apply_dossier_event,
    apply_payment,
    apply_sync_completed,
    order_key,
)
from hub.rules.lifecycle import OrderKey
from tests.unit.hub.factories import CODE, applied, at, completed, envelope, event, payment, snapshot


def test_first_event_becomes_revision_1_and_commands_a_sync_of_it() -> None:
    decision = apply_dossier_event(None, event(2, at(1, 8), "e1"), at(1, 8, 1))
    assert decision.outcome is Outcome.APPLIED
    assert decision.entry.revision == 1
    assert decision.entry.status is DossierStatus.RECEIVED
    (command,) = decision.commands
    assert isinstance(command.data, PortalSyncRequested)
    assert (command.data.revision, command.data.reason) == (1, SyncReason.PROVINCE_EVENT)
    assert decision.entry.province is not None
    assert command.data.dossier == decision.entry.province.snapshot
    assert command.source == DEFAULT_SETTINGS.source
    assert decision.entry.sync.requested_revision == 1
    assert decision.entry.pending


def test_command_ids_are_derived_from_the_input_so_a_replayed_decision_repeats_them() -> None:
    first = apply_dossier_event(None, event(2, at(1, 8), "e1"), at(1, 8, 1)).commands[0]
    again = apply_dossier_event(None, event(2, at(1, 8), "e1"), at(1, 8, 1)).commands[0]
    later = apply_dossier_event(None, event(2, at(1, 8), "e1"), at(1, 8, 2)).commands[0]
    assert first.id == again.id != later.id
    assert uuid.UUID(first.id).version == 5


def test_a_newer_status_becomes_the_next_revision() -> None:
    entry = applied(event(2, at(1, 8), "e1"))
    decision = apply_dossier_event(entry, event(4, at(1, 9), "e2"), at(1, 9))
    assert decision.outcome is Outcome.APPLIED
    assert (decision.entry.revision, decision.entry.status) == (2, DossierStatus.PROCESSING)
    assert [r.revision for r in decision.entry.history] == [1, 2]


def test_the_same_source_and_id_is_a_duplicate_and_changes_nothing() -> None:
    entry = applied(event(2, at(1, 8), "e1"))
    decision = apply_dossier_event(entry, event(2, at(1, 8), "e1"), at(1, 10))
    assert decision.outcome is Outcome.DUPLICATE
    assert decision.entry == entry
    assert decision.commands == ()


def test_the_same_id_from_another_source_is_another_event() -> None:
    entry = applied(event(2, at(1, 8), "e1"))
    other = envelope(snapshot(4, at(1, 9)), "e1", source="000.00.01.H14")
    assert apply_dossier_event(entry, other, at(1, 9)).outcome is Outcome.APPLIED


def test_the_same_content_under_a_new_id_is_a_duplicate() -> None:
    entry = applied(event(2, at(1, 8), "e1"), event(4, at(1, 9), "e2"))
    resent = envelope(snapshot(2, at(1, 8)), "e1-resent", time=at(1, 12))
    decision = apply_dossier_event(entry, resent, at(1, 12))
    assert decision.outcome is Outcome.DUPLICATE
    assert decision.entry.findings == ()


def test_an_older_status_after_a_newer_one_is_kept_in_history_and_never_applied() -> None:
    entry = applied(event(2, at(1, 8), "e1"), event(5, at(1, 11), "e3", rounds=((at(1, 11), None),)))
    decision = apply_dossier_event(entry, event(4, at(1, 9), "e2"), at(1, 11, 5))
    assert decision.outcome is Outcome.REGRESSION
    assert decision.commands == ()
    assert decision.entry.status is DossierStatus.SUPPLEMENT_REQUESTED
    assert decision.entry.revision == 2
    late = decision.entry.history[-1]
    assert (late.status, late.revision, late.event) == (
        DossierStatus.PROCESSING,
        None,
        ("000.00.00.H14", "e2"),
    )
    (finding,) = decision.findings
    assert (finding.type, finding.state, finding.key) == (
        FindingType.REGRESSION,
        FindingState.OPEN,
        "000.00.00.H14 e2",
    )
    assert "status 4" in finding.detail
    assert "status 5" in finding.detail


def test_a_regression_heals_when_the_portal_acknowledges_the_current_revision() -> None:
    entry = applied(event(2, at(1, 8), "e1"), event(4, at(1, 10), "e3"))
    entry = apply_dossier_event(entry, event(2, at(1, 9), "e2", received=at(1, 8, 30)), at(1, 10)).entry
    decision = apply_sync_completed(entry, completed(2, 4, at(1, 10, 1)), at(1, 10, 1))
    (healed,) = decision.findings
    assert (healed.type, healed.state, healed.healed_at) == (
        FindingType.REGRESSION,
        FindingState.HEALED,
        at(1, 10, 1),
    )


def test_a_regression_while_the_portal_is_in_step_is_recorded_already_healed() -> None:
    entry = applied(event(2, at(1, 8), "e1"), event(4, at(1, 10), "e3"))
    entry = apply_sync_completed(entry, completed(2, 4, at(1, 10, 1)), at(1, 10, 1)).entry
    decision = apply_dossier_event(entry, event(2, at(1, 9), "e2", received=at(1, 8, 30)), at(1, 11))
    (finding,) = decision.findings
    assert finding.state is FindingState.HEALED
    assert finding.opened_at == finding.healed_at == at(1, 11)


@pytest.mark.parametrize(("first", "second"), [(9, 10), (2, 4), (4, 8), (5, 6)])
def test_at_an_equal_instant_the_status_further_along_wins_in_any_order(first: int, second: int) -> None:
    kwargs = {"processed": at(2, 9)} if first == 9 else {}
    extra = {"delivered": at(2, 9), **kwargs} if second == 10 else dict(kwargs)
    rounds = ((at(2, 9), None),) if 5 in (first, second) else ()
    a = event(first, at(2, 9), "a", rounds=rounds, **kwargs)
    b = event(second, at(2, 9), "b", rounds=rounds, **extra)
    assert applied(a, b).status == applied(b, a).status == DossierStatus(second)


def test_a_later_snapshot_after_a_terminal_status_is_applied_and_9_is_followed_by_10() -> None:
    processed = event(9, at(2, 9), "e1", processed=at(2, 9))
    entry = applied(processed, event(10, at(3, 9), "e2", processed=at(2, 9), delivered=at(3, 9)))
    assert entry.status is DossierStatus.DELIVERED
    regressed = apply_dossier_event(entry, event(9, at(2, 9), "e3", processed=at(2, 8)), at(3, 10))
    assert regressed.outcome is Outcome.REGRESSION


def test_a_forgotten_id_past_the_bound_is_still_recognised_from_the_history() -> None:
    tight = RuleSettings(max_applied_ids=1)
    entry: LedgerEntry | None = None
    for item in (event(2, at(1, 8), "e1"), event(4, at(1, 9), "e2")):
        entry = apply_dossier_event(entry, item, item.time, settings=tight).entry
    assert entry is not None
    assert entry.applied == (("000.00.00.H14", "e2"),)
    decision = apply_dossier_event(entry, event(2, at(1, 8), "e1"), at(1, 12), settings=tight)
    assert decision.outcome is Outcome.DUPLICATE
    assert decision.entry.findings == ()


def test_history_is_bounded_oldest_first() -> None:
    tight = RuleSettings(max_history=2)
    entry: LedgerEntry | None = None
    for i, (status, hour) in enumerate([(2, 8), (4, 9), (6, 10)]):
        item = event(status, at(1, hour), f"e{i}")
        entry = apply_dossier_event(entry, item, item.time, settings=tight).entry
    assert entry is not None
    assert [r.status for r in entry.history] == [DossierStatus.PROCESSING, DossierStatus.FINANCIAL_OBLIGATION]


def test_a_dossier_appearing_heals_a_payment_parked_for_it() -> None:
    parked = apply_payment(None, payment("succeeded"), at(1, 7)).entry
    assert parked.active_findings[0].type is FindingType.PAYMENT_UNKNOWN_DOSSIER
    decision = apply_dossier_event(parked, event(2, at(1, 8), "e1"), at(1, 8))
    assert [(f.type, f.state) for f in decision.findings] == [
        (FindingType.PAYMENT_UNKNOWN_DOSSIER, FindingState.HEALED)
    ]


def test_data_of_another_kind_is_refused_loudly() -> None:
    with pytest.raises(TypeError, match="DossierStatusChanged"):
        apply_dossier_event(None, completed(1), at(1))


# --- properties --------------------------------------------------------------------------------------------

_STEPS: list[tuple[int, dt.datetime, dict[str, Any]]] = [
    (2, at(1, 8), {}),
    (4, at(1, 9), {}),
    (5, at(1, 10), {"rounds": ((at(1, 10), None),)}),
    (4, at(1, 14), {"rounds": ((at(1, 10), at(1, 14)),)}),
    (6, at(2, 8), {"rounds": ((at(1, 10), at(1, 14)),)}),
    (4, at(2, 9), {"rounds": ((at(1, 10), at(1, 14)),), "online_payment": 1}),
    (9, at(2, 15), {"rounds": ((at(1, 10), at(1, 14)),), "online_payment": 1, "processed": at(2, 15)}),
    (
        10,
        at(3, 8),
        {
            "rounds": ((at(1, 10), at(1, 14)),),
            "online_payment": 1,
            "processed": at(2, 15),
            "delivered": at(3, 8),
        },
    ),
]
_EVENTS = [
    event(status, changed, f"{CODE}#{i + 1}", **extra) for i, (status, changed, extra) in enumerate(_STEPS)
]


def _key(item: Envelope[Any]) -> OrderKey:
    return order_key(item.data, item.time, (item.source, item.id))


@st.composite
def _deliveries(draw: st.DrawFn) -> list[int]:
    """Indexes into the lifecycle: a non-empty subset, each possibly repeated, in any order."""
    chosen = draw(
        st.lists(st.sampled_from(range(len(_EVENTS))), min_size=1, max_size=len(_EVENTS), unique=True)
    )
    repeats = draw(st.lists(st.sampled_from(chosen), max_size=6))
    return draw(st.permutations(chosen + repeats))


@settings(max_examples=150, deadline=None)
@given(_deliveries())
def test_any_delivery_order_ends_at_the_latest_snapshot_and_applies_each_id_once(order: list[int]) -> None:
    entry: LedgerEntry | None = None
    outcomes: dict[str, list[Outcome]] = {}
    clock = itertools.count()
    for index in order:
        item = _EVENTS[index]
        decision = apply_dossier_event(entry, item, at(5) + dt.timedelta(seconds=next(clock)))
        entry = decision.entry
        outcomes.setdefault(item.id, []).append(decision.outcome)
    assert entry is not None
    assert entry.province is not None
    latest = max(set(order), key=lambda i: _key(_EVENTS[i]))
    in_order = applied(*sorted((_EVENTS[i] for i in set(order)), key=lambda e: e.data.status_changed_at))
    assert in_order.province is not None
    assert entry.province.snapshot == _EVENTS[latest].data == in_order.province.snapshot
    for seen in outcomes.values():
        assert seen.count(Outcome.APPLIED) + seen.count(Outcome.REGRESSION) == 1
        assert all(o is Outcome.DUPLICATE for o in seen[1:])
    regressions = [r for r in entry.history if r.revision is None]
    assert len(entry.history) == len(set(order))
    assert {r.event for r in entry.history} == {(_EVENTS[i].source, _EVENTS[i].id) for i in set(order)}
    assert [r.revision for r in entry.history if r.revision is not None] == list(range(1, entry.revision + 1))
    latest_changed = entry.province.snapshot.status_changed_at
    assert all(r.status_changed_at < latest_changed for r in regressions)
    assert {f.key for f in entry.findings if f.type is FindingType.REGRESSION} == {
        f"{r.event[0]} {r.event[1]}" for r in regressions
    }
