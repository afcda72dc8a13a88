"""The routing table from identity events: successor chains, cycles, refusals, and releasing parked items."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from hub.rules import (
    CodeState,
    Cycle,
    DeadLetter,
    Deliver,
    FindingState,
    FindingType,
    Outcome,
    Park,
    Resolved,
    RoutingTable,
    Unknown,
    apply_identity_event,
    on_identity_event,
    park,
    resolve,
    route,
)
from hub.rules.parking import ParkingLot
from tests.unit.hub.factories import amended, at, closed, envelope, issued, submission, table_of

A, B, C = "000.00.31.H14", "000.00.32.H14", "000.00.40.H14"


def test_an_active_code_resolves_to_itself() -> None:
    assert resolve(table_of(issued(C)), C) == Resolved((C,))


def test_a_closed_code_resolves_along_its_successor_chain_to_the_end() -> None:
    table = table_of(issued(C), closed(B, C), closed(A, B))
    resolution = resolve(table, A)
    assert isinstance(resolution, Resolved)
    assert (resolution.code, resolution.followed_from) == (C, (A, B))


def test_a_code_never_heard_of_is_unknown() -> None:
    assert resolve(RoutingTable(), C) == Unknown((C,))


def test_a_chain_ending_at_an_unknown_successor_names_it() -> None:
    resolution = resolve(table_of(closed(A, B)), A)
    assert resolution == Unknown((A, B))
    assert resolution.code == B


def test_a_successor_cycle_is_reported_not_looped_on() -> None:
    table = table_of(closed(A, B), closed(B, A))
    assert resolve(table, A) == Cycle((A, B, A))


def test_a_closed_code_is_never_issued_again() -> None:
    table = table_of(issued(C), closed(A, C))
    change = apply_identity_event(table, issued(A))
    assert not change.changed
    assert change.table == table
    assert change.refusal is not None
    assert "closed by decision 1136/QĐ-UBND" in change.refusal
    assert "never" in change.refusal


def test_a_closed_code_cannot_be_amended_or_closed_towards_another_successor() -> None:
    table = table_of(issued(C), issued(B), closed(A, C))
    assert apply_identity_event(table, amended(A)).refusal is not None
    assert apply_identity_event(table, closed(A, B)).refusal is not None


def test_the_same_decision_delivered_twice_changes_nothing_and_is_not_refused() -> None:
    table = table_of(issued(C), closed(A, C))
    for data in (issued(C), closed(A, C)):
        change = apply_identity_event(table, data)
        assert (change.changed, change.refusal) == (False, None)


def test_issuing_an_active_code_again_is_refused_as_a_change_needs_an_amendment() -> None:
    change = apply_identity_event(table_of(issued(C)), issued(C, name="Tên khác"))
    assert change.refusal is not None
    assert "amendment" in change.refusal


def test_amending_a_code_never_seen_issued_is_accepted_since_registries_predate_the_hub() -> None:
    table = table_of(amended(C))
    record = table.get(C)
    assert record is not None
    assert record.state is CodeState.ACTIVE
    assert "đổi tên" in record.name


def test_route_delivers_to_the_province_system_of_the_resolved_agency() -> None:
    decided = route(table_of(issued(C), closed(A, C)), A, at(1))
    assert decided == Deliver(target_code=C, province="H14", followed_from=(A,))


def test_route_parks_an_unknown_code_for_the_grace_period_and_dead_letters_a_cycle() -> None:
    assert route(RoutingTable(), C, at(1)) == Park(waiting_for=C, until=at(4))
    assert isinstance(route(table_of(closed(A, B), closed(B, A)), A, at(1)), DeadLetter)


def test_issuing_a_code_releases_the_items_parked_for_it() -> None:
    lot, _ = park(ParkingLot(), submission(agency=C), C, at(1, 7))
    decision = on_identity_event(RoutingTable(), lot, envelope(issued(C), "i1", source="identity"), at(1, 9))
    assert decision.outcome is Outcome.APPLIED
    ((item, delivered),) = decision.released
    assert item.addressed_code == C
    assert delivered == Deliver(target_code=C, province="H14")
    assert decision.lot == ParkingLot()


def test_closing_an_unknown_code_towards_a_known_one_releases_its_items_via_the_successor() -> None:
    lot, _ = park(ParkingLot(), submission(agency=A, code=f"{A}-250701-0001"), A, at(1, 7))
    table = table_of(issued(C))
    decision = on_identity_event(table, lot, envelope(closed(A, C), "c1", source="identity"), at(1, 9))
    ((_, delivered),) = decision.released
    assert delivered.followed_from == (A,)


def test_an_identity_event_that_does_not_route_an_item_leaves_it_parked() -> None:
    lot, _ = park(ParkingLot(), submission(agency=C), C, at(1, 7))
    decision = on_identity_event(RoutingTable(), lot, envelope(issued(B), "i1", source="identity"), at(1, 9))
    assert decision.released == ()
    assert decision.lot == lot


def test_a_refused_decision_changes_neither_table_nor_lot() -> None:
    table = table_of(issued(C), closed(A, C))
    lot, _ = park(ParkingLot(), submission(agency=B), B, at(1, 7))
    decision = on_identity_event(table, lot, envelope(issued(A), "i9", source="identity"), at(1, 9))
    assert decision.outcome is Outcome.REFUSED
    assert (decision.table, decision.lot, decision.released) == (table, lot, ())


def test_a_closure_that_closes_a_cycle_is_a_finding_for_an_operator() -> None:
    table = table_of(closed(A, B))
    decision = on_identity_event(table, ParkingLot(), envelope(closed(B, A), "c2", source="identity"), at(1))
    (finding,) = decision.findings
    assert (finding.type, finding.subject, finding.state) == (
        FindingType.SUCCESSOR_CYCLE,
        B,
        FindingState.NEEDS_OPERATOR,
    )


def test_a_parked_item_whose_chain_becomes_a_cycle_is_dead_lettered_with_those_behind_it() -> None:
    lot, _ = park(ParkingLot(), submission(agency=A, code=f"{A}-250701-0001"), B, at(1, 7))
    lot, _ = park(lot, submission(agency=C, code=f"{A}-250701-0001", cursor=2), "", at(1, 8))
    table = table_of(closed(A, B))
    decision = on_identity_event(table, lot, envelope(closed(B, A), "c2", source="identity"), at(1, 9))
    assert [item.envelope.id for item, _ in decision.dead_lettered] == [
        "portal-submission-1",
        "portal-submission-2",
    ]
    first, behind = (cause for _, cause in decision.dead_lettered)
    assert (first.code, behind.code) == ("successor_cycle", "held_behind_dead_letter")
    assert "cycle" in first.reason
    assert decision.lot == ParkingLot()


_CODES = [f"000.00.{n:02d}.H14" for n in range(30, 60)]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(_CODES), min_size=1, max_size=12, unique=True), st.data())
def test_any_acyclic_successor_chain_resolves_to_its_end(chain: list[str], data: st.DataObject) -> None:
    """Closures arrive in any order; the end code is issued (or never heard of) — resolution is the same."""
    events = [closed(code, successor) for code, successor in itertools.pairwise(chain)]
    end_issued = data.draw(st.booleans())
    if end_issued:
        events.append(issued(chain[-1]))
    table = table_of(*data.draw(st.permutations(events)))
    expected = Resolved(tuple(chain)) if end_issued else Unknown(tuple(chain))
    for start in range(len(chain)):
        resolution = resolve(table, chain[start])
        assert type(resolution) is type(expected)
        assert resolution.chain == tuple(chain[start:])
